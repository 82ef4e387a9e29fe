"""A tiny hand-made lake with known answers, built into a warehouse twice (day 1, then day 2).

People (identifiers in brackets; → = an edge):
  alice  [e_alice → u_alice ← o_alice]; day 2 adds e_new → u_alice (a second staff contact)
  chain  day 1: e_chain → u_chain1 ← o_chain1; day 2 e_chain reports u_chain2 ← o_chain2, so
         o_chain1 – u_chain1 – e_chain – u_chain2 – o_chain2 is one long chain
  bob    [e_bob] a WeCom contact without unionid;  carol [o_carol] mini-program user without unionid
  dave   [o_dave] known only from an order
Orders: ord1 alice paid 100 (re-extracted identically on day 2: an overlap duplicate), ord2 carol
created on day 1 and paid on day 2 (two versions), ord3 dave paid 30.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from siyu.contracts import RAW, raw_schema
from siyu.lake import Lake, Partition

DAY1, DAY2 = "2026-01-01", "2026-01-02"


def ts(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)


def table(source: str, entity: str, rows: list[dict]) -> pa.Table:
    schema = raw_schema(source, entity)
    return pa.Table.from_pylist([{f.name: r.get(f.name) for f in schema} for r in rows], schema=schema)


def contact(euid: str, unionid: str | None) -> dict:
    return {"external_userid": euid, "type": 1, "gender": 0, "unionid": unionid, "corp_name": None}


def follow(euid: str, added: str) -> dict:
    return {"external_userid": euid, "userid": "staff_1", "createtime": ts(added), "tags": [], "add_way": 1}


def mp_user(openid: str, unionid: str | None, created: str) -> dict:
    return {"openid": openid, "unionid": unionid, "created_at": ts(created), "updated_at": ts(created)}


def order(order_id: str, openid: str, status: str, amount: str, updated: str, paid: str | None) -> dict:
    return {
        "order_id": order_id,
        "openid": openid,
        "status": status,
        "amount": Decimal(amount),
        "paid_at": ts(paid) if paid else None,
        "created_at": ts("2025-12-31T02:00:00"),
        "updated_at": ts(updated),
    }


LAKE: dict[str, dict[tuple[str, str], list[dict]]] = {
    DAY1: {
        ("wecom", "external_contacts"): [
            contact("e_alice", "u_alice"),
            contact("e_chain", "u_chain1"),
            contact("e_bob", None),
        ],
        ("wecom", "follow_users"): [
            follow("e_alice", "2025-12-01T03:00:00"),
            follow("e_chain", "2025-11-01T03:00:00"),
            follow("e_bob", "2025-12-15T03:00:00"),
        ],
        ("appdb", "mp_users"): [
            mp_user("o_alice", "u_alice", "2025-12-05T03:00:00"),
            mp_user("o_chain1", "u_chain1", "2025-10-01T03:00:00"),
            mp_user("o_carol", None, "2025-12-20T03:00:00"),
        ],
        ("appdb", "orders"): [
            order("ord1", "o_alice", "paid", "100.00", "2025-12-31T03:00:00", "2025-12-31T03:00:00"),
            order("ord2", "o_carol", "created", "50.00", "2025-12-31T04:00:00", None),
            order("ord3", "o_dave", "paid", "30.00", "2025-12-31T05:00:00", "2025-12-31T05:00:00"),
        ],
    },
    DAY2: {
        ("wecom", "external_contacts"): [
            contact("e_alice", "u_alice"),
            contact("e_chain", "u_chain2"),
            contact("e_bob", None),
            contact("e_new", "u_alice"),
        ],
        ("wecom", "follow_users"): [
            follow("e_alice", "2025-12-01T03:00:00"),
            follow("e_chain", "2025-11-01T03:00:00"),
            follow("e_bob", "2025-12-15T03:00:00"),
            follow("e_new", "2026-01-02T02:00:00"),
        ],
        ("appdb", "mp_users"): [mp_user("o_chain2", "u_chain2", "2026-01-02T03:00:00")],
        ("appdb", "orders"): [
            order("ord1", "o_alice", "paid", "100.00", "2025-12-31T03:00:00", "2025-12-31T03:00:00"),
            order("ord2", "o_carol", "paid", "50.00", "2026-01-02T04:00:00", "2026-01-02T04:00:00"),
        ],
    },
}


def write_day(lake: Lake, day: str) -> None:
    # Every raw entity gets a partition, empty when the fixture has no rows: the ingest DAGs do the same.
    for source, entity in RAW:
        rows = LAKE[day].get((source, entity), [])
        lake.write(Partition(source, entity, day), table(source, entity, rows))


def build_fixture_warehouse(
    home, lake_by_day: dict[str, dict], run_date: str | list[str], after_each=None, build=None, **extra_vars
) -> Path:
    """Land every raw entity for each day (empty where the fixture has no rows, as the ingest DAGs do),
    build run_date (or each of a list of dates in turn, calling after_each(date, warehouse) after
    each) with SIYU_* pointing into `home`, and return the warehouse file. ``build(day, extra_vars)``:
    how a day is built (one `dbt build` by default)."""
    from siyu.warehouse import dbt_build

    build = build or (lambda day, extra: dbt_build(day, extra_vars=extra))

    warehouse = home / "wh.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SIYU_HOME", str(home))
        mp.setenv("SIYU_LAKE", str(home / "lake"))
        mp.setenv("SIYU_WAREHOUSE", str(warehouse))
        lake = Lake(str(home / "lake"))
        for day, rows in lake_by_day.items():
            for source, entity in RAW:
                lake.write(
                    Partition(source, entity, day), table(source, entity, rows.get((source, entity), []))
                )
        for day in [run_date] if isinstance(run_date, str) else run_date:
            build(day, extra_vars or None)
            if after_each:
                after_each(day, warehouse)
    return warehouse


def snapshot(warehouse, queries: dict[str, str]) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {name: con.execute(sql).fetchall() for name, sql in queries.items()}


QUERIES = {
    "identifiers": "select identifier_type, identifier, customer_id from main_marts.customer_identifiers",
    "customers": "select * from main_marts.dim_customers",
    "orders": "select order_id, customer_id, status, amount, is_paid from main_marts.fct_orders",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Build day 1 then day 2 from the same lake; returns per-day query results and build seconds."""
    import time

    from siyu.warehouse import dbt_build

    home = tmp_path_factory.mktemp("siyu_home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SIYU_HOME", str(home))
        mp.setenv("SIYU_LAKE", str(home / "lake"))
        mp.setenv("SIYU_WAREHOUSE", str(home / "warehouse" / "siyu.duckdb"))
        lake = Lake(str(home / "lake"))
        for day in (DAY1, DAY2):  # both days land first: the day-1 build must ignore day 2
            write_day(lake, day)
        results, seconds = {}, {}
        for day in (DAY1, DAY2):
            start = time.perf_counter()
            dbt_build(day)
            seconds[day] = time.perf_counter() - start
            results[day] = snapshot(home / "warehouse" / "siyu.duckdb", QUERIES)
        yield {"results": results, "seconds": seconds, "home": home}
