"""A person's own data (PIPL Art. 45) as a readable bundle: ``access/<request id>/`` with
``person.json`` (every section) and one CSV per section (UTF-8 with a byte-order mark, as the CRM
exports, so Excel opens it). Read from the published marts, the layer the brand operates on."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import json
from pathlib import Path

import duckdb

from siyu.config import settings
from siyu.lake import restrict
from siyu.pipl.paths import access_dir
from siyu.pipl.resolve import Identifiers

# section → query over the published file, for the customers in $c
SECTIONS = {
    "identifiers": "select identifier_type, identifier, customer_id, matched_by, first_seen_at, last_seen_at "
    "from customer_identifiers where customer_id in (select unnest($c)) order by all",
    "profile": "select * from dim_customers where customer_id in (select unnest($c))",
    "tags": "select * from customer_tags where customer_id in (select unnest($c)) order by all",
    "segments": "select r.customer_id, r.segment, r.rfm_class_cn, l.lifecycle_stage, a.aipl_stage, "
    "r.as_of_date "
    "from customer_rfm r full join customer_lifecycle l using (customer_id) "
    "full join customer_aipl a using (customer_id) where customer_id in (select unnest($c))",
    "orders": "select * from fct_orders where customer_id in (select unnest($c)) order by all",
    "events_summary": "select event_name, count(*) as events, min(event_at) as first_at, "
    "max(event_at) as last_at "
    "from fct_events where customer_id in (select unnest($c)) group by 1 order by 1",
    "contacts_with_staff": "select * from customer_contacts "
    "where customer_id in (select unnest($c)) order by all",
    "group_memberships": "select chat_id, chat_name, joined_at, join_scene from community_members "
    "where customer_id in (select unnest($c)) order by all",
}


def _plain(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def write_bundle(request: dict, ids: Identifiers, published: Path | None = None) -> Path:
    published = published or settings().published
    folder = access_dir() / request["id"]
    folder.mkdir(parents=True, exist_ok=True)
    bundle: dict = {
        "request_id": request["id"],
        "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "source": "published marts",
        "sections": {},
    }
    with duckdb.connect(str(published), read_only=True) as con:
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        for name, query in SECTIONS.items():
            needed = {t for t in tables if f" {t} " in f" {query} "}
            if not needed:
                continue
            cur = con.execute(query, {"c": sorted(ids.customer_ids)})
            columns = [d[0] for d in cur.description]
            rows = [[_plain(v) for v in row] for row in cur.fetchall()]
            bundle["sections"][name] = [dict(zip(columns, row, strict=True)) for row in rows]
            with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8-sig") as fh:
                writer = csv.writer(fh)
                writer.writerow(columns)
                writer.writerows(rows)
    (folder / "person.json").write_text(json.dumps(bundle, indent=1, ensure_ascii=False, default=str))
    restrict(folder)
    return folder
