"""The incremental marts (fct_events, fct_sessions, and every other table of the intermediate and mart
layers) built day by day equal a build of the same day from scratch, row for row (but for written_on:
which run wrote a row).

Day 1 (2026-05-01): users o_a (unionid u_a), o_b (no unionid, older) and o_c; events of o_a, o_b,
  o_c, and one of o_w, whose user has not landed (it waits in events_awaiting_identity).
Day 2: an identity merge: o_b's user row gets unionid u_a, so o_a and o_b are one customer (one of
  the two ids is merged away and its events move to the other); o_w's user lands (its
  event gets a customer); a late event: o_c's event of 28 Apr arrives in day 2's partition, before
  o_c's first session (a new first session); more events of o_a.
Day 3: an event of o_c 10 minutes after its late one (that session grows) and one of o_b.

The daily histories (customer_lifecycle_daily, customer_aipl_daily, aipl_daily and the transitions)
keep each past day as that day's run saw it, where a build from scratch backfills the past with
today's identities (the merged-away customer has no past there, o_w's customer has one): they are
compared on the day built. A transition from 'none' (a customer first known) or to 'merged' on that
day is one of those by design: the merge and the identity that landed happened that day for the
daily warehouse, before the backfill window for the rebuild. The predictions score with the fit of
day 1 (var clv_refit_days: weekly) on days 2 and 3: the rebuilds are given that fit date.
"""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pytest

from siyu_dev.bench_identity import rows_differing
from siyu_dev.bench_warehouse import compared_tables, run_day_windows
from tests.dbt.conftest import build_fixture_warehouse, mp_user, ts

DAY1, DAY2, DAY3 = "2026-05-01", "2026-05-02", "2026-05-03"


def event(event_id: str, openid: str, at: str, arrived: str | None = None) -> dict:
    return {"event_id": event_id, "openid": openid, "event": "page_view", "ts": ts(at),
            "source_file": f"c1/{arrived or at[:10]}/02.jsonl"}  # fmt: skip


def merged_user(openid: str, unionid: str, created: str, updated: str) -> dict:
    return {"openid": openid, "unionid": unionid, "created_at": ts(created), "updated_at": ts(updated)}


LAKE = {
    DAY1: {
        ("appdb", "mp_users"): [
            mp_user("o_a", "u_a", "2026-04-20T02:00:00"),
            mp_user("o_b", None, "2026-04-10T02:00:00"),
            mp_user("o_c", None, "2026-04-15T02:00:00"),
        ],
        ("tracking", "events"): [
            event("ev_a1", "o_a", "2026-05-01T02:00:00"),
            event("ev_b1", "o_b", "2026-05-01T03:00:00"),
            event("ev_c1", "o_c", "2026-04-30T04:00:00"),
            event("ev_w1", "o_w", "2026-05-01T05:00:00"),
        ],
    },
    DAY2: {
        ("appdb", "mp_users"): [
            merged_user("o_b", "u_a", "2026-04-10T02:00:00", "2026-05-02T01:00:00"),
            mp_user("o_w", None, "2026-05-01T04:00:00"),
        ],
        ("tracking", "events"): [
            event("ev_a2", "o_a", "2026-05-02T02:00:00"),
            event("ev_c_late", "o_c", "2026-04-28T04:00:00", arrived="2026-05-02"),
        ],
    },
    DAY3: {
        ("tracking", "events"): [
            event("ev_c3", "o_c", "2026-04-28T04:10:00", arrived="2026-05-03"),
            event("ev_b3", "o_b", "2026-05-03T02:00:00"),
        ],
    },
}

EVENTS = "select event_id, mp_openid, customer_id from main_marts.fct_events order by 1"
WRITTEN = "select event_id, written_on from main_marts.fct_events"
SESSIONS = "select mp_openid, started_at, ended_at, events from main_marts.fct_sessions order by 1, 2"


def query(warehouse, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The three days built in turn into one warehouse (each kept), and days 2 and 3 from scratch."""
    daily, results = {}, {}

    def keep(day, warehouse):  # a copy of the warehouse as that day left it
        copy = warehouse.parent / f"{day}.duckdb"
        shutil.copyfile(warehouse, copy)  # dbt_build closed the file
        daily[day] = copy
        results[day] = {
            "events": query(copy, EVENTS),
            "sessions": query(copy, SESSIONS),
            "written": query(copy, WRITTEN),
        }

    build_fixture_warehouse(tmp_path_factory.mktemp("daily"), LAKE, [DAY1, DAY2, DAY3], after_each=keep)
    for day in (DAY2, DAY3):
        # the prediction fit of day 1 is in use on days 2 and 3 (refitted weekly): the rebuild gets it
        scratch = build_fixture_warehouse(
            tmp_path_factory.mktemp(f"scratch{day}"), LAKE, day, clv_fit_as_of=DAY1
        )
        tables = compared_tables(str(scratch))
        windows, _ = run_day_windows(day, tables)
        differing = rows_differing(str(daily[day]), str(scratch), tables, windows)
        results[f"scratch {day}"] = {"differing": {t: n for t, n in differing.items() if n}, "tables": tables}
    return results


def customer(rows, event_id):
    return next(c for e, _, c in rows if e == event_id)


def test_the_merge_moves_the_absorbed_customers_events(built):
    day1, day2 = built[DAY1]["events"], built[DAY2]["events"]
    assert customer(day1, "ev_a1") != customer(day1, "ev_b1")
    assert customer(day2, "ev_a1") == customer(day2, "ev_b1") == customer(day2, "ev_a2")
    (absorbed,) = {customer(day1, "ev_a1"), customer(day1, "ev_b1")} - {customer(day2, "ev_a1")}
    assert absorbed not in {c for _, _, c in day2}  # merged away: no event keeps its id


def test_the_merge_rewrites_only_the_events_whose_customer_changed(built):
    """Both users' identity rows are rewritten on day 2, but only the absorbed customer's events
    change: the kept customer's day-1 event keeps the run that wrote it."""
    day1, day2 = built[DAY1]["events"], built[DAY2]["events"]
    written = dict(built[DAY2]["written"])
    kept = customer(day2, "ev_a1")
    assert {written[e] for e in ("ev_a1", "ev_b1") if customer(day1, e) == kept} == {dt.date(2026, 5, 1)}
    assert {written[e] for e in ("ev_a1", "ev_b1") if customer(day1, e) != kept} == {dt.date(2026, 5, 2)}


def test_an_event_waiting_for_its_identity_joins_when_it_lands(built):
    assert "ev_w1" not in {e for e, _, _ in built[DAY1]["events"]}
    assert customer(built[DAY2]["events"], "ev_w1") is not None


def test_a_late_event_opens_an_earlier_session_and_the_next_day_extends_it(built):
    o_c = [s for s in built[DAY3]["sessions"] if s[0] == "o_c"]
    assert [(str(s[1])[:16], str(s[2])[:16], s[3]) for s in o_c] == [
        ("2026-04-28 04:00", "2026-04-28 04:10", 2),
        ("2026-04-30 04:00", "2026-04-30 04:00", 1),
    ]


@pytest.mark.parametrize("day", [DAY2, DAY3])
def test_the_day_by_day_build_equals_a_build_from_scratch(built, day):
    result = built[f"scratch {day}"]
    assert {"main_marts.fct_events", "main_marts.fct_sessions"} <= set(result["tables"])
    assert result["differing"] == {}


def test_the_dags_layer_by_layer_build_reads_the_run_limits_of_its_intermediate_layer(built, tmp_path):
    """The warehouse DAG builds each layer in a dbt invocation of its own: the marts' incremental
    models read the incremental_run_limits the intermediate layer computed for the same run_date."""
    from siyu.warehouse_build import build_warehouse
    from tests.dbt.conftest import build_fixture_warehouse

    # build_warehouse raises if a model or a test failed
    warehouse = build_fixture_warehouse(
        tmp_path, LAKE, [DAY1, DAY2], build=lambda day, _extra: build_warehouse(day)
    )
    assert query(warehouse, EVENTS) == built[DAY2]["events"]
    assert query(warehouse, SESSIONS) == built[DAY2]["sessions"]
    limits = query(
        warehouse, "select watermark from main_intermediate.incremental_run_limits where model = 'fct_events'"
    )
    assert limits == [(dt.date(2026, 5, 1),)]  # day 2's marts folded after day 1
