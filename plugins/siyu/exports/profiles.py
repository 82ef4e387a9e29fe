"""CRM exports from the published marts: one profile per customer, and audiences per staff member.

Written under ``<exports>/<date>/`` as Parquet and CSV with a ``_manifest.json`` (row counts and
sha256 of every file). A date's folder is built beside its place and swapped in whole, and rows are
sorted, so re-running a date gives the same files. Segment columns come from whichever segment marts
the published file holds (customer_tags, customer_rfm, customer_aipl, customer_lifecycle), so the
export keeps working while marts are added.

Consent (customer_consent): a customer who may not be contacted is left out of the profiles, and one
who may not be contacted on WeCom out of the staff audiences; the manifest says how many
(``left_out``). A publication without customer_consent exports nothing: a missing mart is never read
as everyone's consent.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import uuid
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from siyu.lake import restrict
from siyu.publish import newer_publication

OPTIONAL = {  # mart → (its columns that go into the profile, as select expressions)
    "customer_rfm": ["rfm_class_cn", "segment as rfm_segment"],
    "customer_aipl": ["aipl_stage"],
    "customer_lifecycle": ["lifecycle_stage"],
}


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_name = ?", [table]
        ).fetchall()
    }


class NoConsentMart(RuntimeError):
    pass


def require_consent(con: duckdb.DuckDBPyConnection) -> None:
    if "customer_consent" not in _tables(con):
        raise NoConsentMart(
            "the published marts hold no customer_consent: nothing is exported or synced "
            "until a warehouse build publishes it (who may be contacted is unknown)"
        )


def consent_left_out(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """How many the exports leave out, and why (counts only)."""
    profiles = con.execute("""
        select count(*) from dim_customers c join customer_consent k using (customer_id)
        where not k.can_contact
    """).fetchall()[0][0]
    audiences = con.execute("""
        select count(*), count(distinct k.customer_id) from customer_contacts k
        join customer_consent c using (customer_id) where not c.can_contact_wecom
    """).fetchall()[0]
    return {
        "customer_profiles": profiles,
        "staff_audiences": audiences[0],
        "staff_audience_customers": audiences[1],
    }


def names_allowed() -> bool:
    """SIYU_EXPORT_NAMES=1 lets name columns into the exports; default off (minimisation)."""
    return os.environ.get("SIYU_EXPORT_NAMES", "0").strip().lower() in ("1", "true", "yes")


def without_names(table: pa.Table) -> pa.Table:
    if names_allowed():
        return table
    from siyu.contracts import PERSON_NAME_COLUMNS

    return table.drop_columns([c for c in table.column_names if c.lower() in PERSON_NAME_COLUMNS])


def profile_query(con: duckdb.DuckDBPyConnection) -> str:
    present = _tables(con)
    joins, columns = [], []
    for mart, wanted in OPTIONAL.items():
        have = _columns(con, mart) if mart in present else set()
        usable = [w for w in wanted if w.split(" as ")[0] in have]
        if usable:
            alias = mart.removeprefix("customer_")
            joins.append(f"left join {mart} {alias} using (customer_id)")
            columns += [f"{alias}.{w}" for w in usable]
    if "customer_tags" in present:
        joins.append(
            "left join (select customer_id, list_sort(list(tag_name)) as tags from customer_tags "
            "group by 1) t using (customer_id)"
        )
        columns.append("t.tags")
    extra = "".join(f",\n    {c}" for c in columns)
    # test accounts (dim_customers.is_test, issue 19) are no CRM audience; older files lack the flag
    test_filter = "where not c.is_test" if "is_test" in _columns(con, "dim_customers") else ""
    return f"""
        with ids as (
            select customer_id,
                list_sort(list(identifier) filter (where identifier_type = 'unionid')) as unionids,
                list_sort(list(identifier) filter (where identifier_type = 'mp_openid')) as mp_openids,
                list_sort(list(identifier) filter (where identifier_type = 'external_userid'))
                    as external_userids
            from customer_identifiers group by 1
        )
        select
            c.customer_id, ids.unionids, ids.mp_openids, ids.external_userids,
            c.first_seen_at, c.paid_orders_count, c.total_paid, c.last_paid_at{extra}
        from dim_customers c
        join ids using (customer_id)
        join customer_consent consent on consent.customer_id = c.customer_id and consent.can_contact
        {" ".join(joins)}
        {test_filter}
        order by c.customer_id
    """


def audience_query(con: duckdb.DuckDBPyConnection) -> str:
    has_stage = "lifecycle_stage" in _columns(con, "customer_lifecycle")
    stage = "p.lifecycle_stage" if has_stage else "cast(null as varchar)"
    join = "left join customer_lifecycle p using (customer_id)" if has_stage else ""
    return f"""
        select k.staff_userid, k.external_userid, k.customer_id, {stage} as lifecycle_stage
        from customer_contacts k {join}
        join customer_consent consent on consent.customer_id = k.customer_id and consent.can_contact_wecom
        order by k.staff_userid, k.external_userid
    """


# Excel on Chinese Windows reads a CSV without a byte-order mark in the ANSI code page (GBK/CP936) and
# garbles UTF-8; with the BOM it reads UTF-8. gb18030 (a superset of GBK) suits older tools.
CSV_ENCODINGS = ("utf-8-sig", "gb18030", "utf-8")


def csv_encoding() -> str:
    encoding = os.environ.get("SIYU_EXPORT_CSV_ENCODING", "utf-8-sig").lower()
    if encoding not in CSV_ENCODINGS:
        raise ValueError(f"SIYU_EXPORT_CSV_ENCODING={encoding!r}: use one of {', '.join(CSV_ENCODINGS)}")
    return encoding


def _write(table: pa.Table, folder: Path, name: str, encoding: str) -> dict[str, str]:
    parquet, csv = folder / f"{name}.parquet", folder / f"{name}.csv"
    pq.write_table(table, parquet, compression="zstd")
    # CSV readers want flat cells: lists become JSON arrays.
    flat = pa.table(
        {
            c: (
                pa.array(
                    [
                        json.dumps(v, ensure_ascii=False) if v is not None else None
                        for v in table[c].to_pylist()
                    ]
                )
                if pa.types.is_list(table[c].type)
                else table[c]
            )
            for c in table.column_names
        }
    )
    buffer = io.BytesIO()
    pacsv.write_csv(flat, buffer)  # pyarrow writes UTF-8: re-encoded (and BOM added) as configured
    csv.write_bytes(buffer.getvalue().decode("utf-8").encode(encoding))
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (parquet, csv)}


def export_date(published: Path, exports_root: Path, date: str) -> dict:
    """Write the profile and audience files of ``date``; returns the manifest. A date older than the
    current publication (a backfill's build) exports nothing: the CRM acts on the newest marts only."""
    newer = newer_publication(published, date)
    if newer:
        return {"date": date, "rows": {}, "skipped": f"the current publication is newer ({newer})"}
    encoding = csv_encoding()
    with duckdb.connect(str(published), read_only=True) as con:
        require_consent(con)
        profiles = without_names(con.sql(profile_query(con)).to_arrow_table())
        audiences = without_names(con.sql(audience_query(con)).to_arrow_table())
        left_out = consent_left_out(con)
    by_staff: dict[str, list[str]] = {}
    for staff, ext in zip(
        audiences["staff_userid"].to_pylist(), audiences["external_userid"].to_pylist(), strict=True
    ):
        by_staff.setdefault(staff, []).append(ext)
    exports_root.mkdir(parents=True, exist_ok=True)
    tmp = exports_root / f".{date}.{uuid.uuid4().hex[:8]}.tmp"
    tmp.mkdir()
    files = {
        **_write(profiles, tmp, "customer_profiles", encoding),
        **_write(audiences, tmp, "staff_audiences", encoding),
    }
    # WeCom's add_msg_template takes one sender and up to 10,000 external_userids: ready to post.
    (tmp / "staff_audiences.json").write_text(json.dumps(by_staff, indent=1, sort_keys=True))
    files["staff_audiences.json"] = hashlib.sha256((tmp / "staff_audiences.json").read_bytes()).hexdigest()
    manifest = {
        "date": date,
        "rows": {
            "customer_profiles": profiles.num_rows,
            "staff_audiences": audiences.num_rows,
            "staff": len(by_staff),
        },
        "left_out": left_out,  # may not be contacted (customer_consent): counts, never who
        "columns": {"customer_profiles": profiles.column_names},
        "files": files,
        "csv_encoding": encoding,
    }
    (tmp / "_manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    restrict(tmp, exports_root)
    final = exports_root / date
    if final.exists():
        old = exports_root / f".{date}.old"
        shutil.rmtree(old, ignore_errors=True)
        final.rename(old)
        tmp.rename(final)
        shutil.rmtree(old)
    else:
        tmp.rename(final)
    return manifest
