"""The WeCom snapshot histories (macros/snapshot_history.sql) fold the new snapshots into what they
hold: building the dates one after another must give exactly the tables a single build of the last
date gives from every snapshot, and a build going back to an earlier date must forget the later ones.

The lake is test_operations' (three WeCom snapshots: 03-01, 03-10, 03-31; relations added, inherited
and deleted between them), plus phones staff noted (one noted only in the first snapshot, one added
in the second) and a group member seen in the second snapshot only.
"""

from __future__ import annotations

import pytest

from siyu.contracts import RAW
from siyu.lake import Lake, Partition
from siyu.warehouse import dbt_run_timed
from tests.dbt.conftest import snapshot, table, ts
from tests.support.operations_lake import RUN, S1, S2, lake_rows

HISTORIES = [
    "int_wecom__contact_unionids",
    "int_wecom__remark_phones",
    "int_wecom__group_member_unionids",
    "int_wecom__relation_spells",
]
SELECT = " ".join(f"+{m}" for m in HISTORIES) + " +int_identity__edges +int_identity__graph"
TABLES = [*HISTORIES, "int_identity__edges", "int_identity__graph"]


def rows_of(day: str) -> dict:
    rows = lake_rows(day)
    follows = [dict(f) for f in rows["wecom", "follow_users"]]
    for f in follows:
        if f["external_userid"] == "e_a" and day == S1:
            f["remark_mobile_hashes"] = ["h_a_old"]  # noted once, gone from later snapshots
        if f["external_userid"] == "e_c" and day != S1:
            f["remark_mobile_hashes"] = ["h_c"]  # noted by the staff member who inherited C
    rows["wecom", "follow_users"] = follows
    if day == S2:
        rows["wecom", "group_members"] = [{
            "chat_id": "g0", "userid": "e_g", "type": 2, "unionid": "u_g",
            "join_time": ts("2026-03-08T02:00:00"), "join_scene": 3, "invitor_userid": None,
        }]  # fmt: skip
    return rows


def land(home, days) -> None:
    lake = Lake(str(home / "lake"))
    for day in days:
        rows = rows_of(day)
        for source, entity in RAW:
            lake.write(Partition(source, entity, day), table(source, entity, rows.get((source, entity), [])))


def watermarks(warehouse) -> dict[str, str]:
    sql = "select model, cast(folded_through as varchar) from main_intermediate.incremental_watermarks"
    return {m: d for m, d in snapshot(warehouse, {"w": sql})["w"] if m in HISTORIES}


def contents(warehouse) -> dict[str, list[tuple]]:
    """Every table's rows, but for written_on: which run wrote a row is the one thing a build of
    the last date alone cannot share."""
    sql = "select columns(lambda c: c <> 'written_on') from main_intermediate.{} order by all"
    return snapshot(warehouse, {t: sql.format(t) for t in TABLES})


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SIYU_HOME", str(tmp_path))
    monkeypatch.setenv("SIYU_LAKE", str(tmp_path / "lake"))
    monkeypatch.setenv("SIYU_WAREHOUSE", str(tmp_path / "wh.duckdb"))
    land(tmp_path, (S1, S2, RUN))
    return tmp_path


def full_build(home, day: str, tmp_path_factory, monkeypatch) -> dict[str, list[tuple]]:
    """A build of ``day`` alone, into a warehouse of its own over the same lake."""
    other = tmp_path_factory.mktemp("full")
    monkeypatch.setenv("SIYU_HOME", str(other))
    monkeypatch.setenv("SIYU_WAREHOUSE", str(other / "wh.duckdb"))
    try:
        dbt_run_timed(day, SELECT)
        return contents(other / "wh.duckdb")
    finally:
        monkeypatch.setenv("SIYU_HOME", str(home))
        monkeypatch.setenv("SIYU_WAREHOUSE", str(home / "wh.duckdb"))


def test_day_by_day_builds_equal_one_build_from_every_snapshot(home, tmp_path_factory, monkeypatch):
    for day in (S1, S2, RUN):
        dbt_run_timed(day, SELECT)
    folded = contents(home / "wh.duckdb")
    assert folded == full_build(home, RUN, tmp_path_factory, monkeypatch)

    # what the fold must have kept from snapshots it no longer reads
    # (last_snapshot is null while the latest snapshot holds the pair)
    def first_last(table):
        return {(r[0], r[1]): (str(r[3]), r[4] and str(r[4])) for r in folded[table]}

    remarks = first_last("int_wecom__remark_phones")
    assert remarks == {("e_a", "h_a_old"): (S1, S1), ("e_c", "h_c"): (S2, None)}
    members = first_last("int_wecom__group_member_unionids")
    assert members[("e_g", "u_g")] == (S2, S2) and members[("e_a", "u_a")] == (RUN, None)
    removed = {(r[0], r[1]): r[8] and str(r[8]) for r in folded["int_wecom__relation_spells"]}
    assert removed[("e_b", "s1")] == S2 and removed[("e_c", "s3")] == S2 and removed[("e_a", "s1")] is None

    # each history has folded the snapshots through the last date built, empty or not
    assert watermarks(home / "wh.duckdb") == dict.fromkeys(HISTORIES, RUN)

    # a re-run of the last date changes nothing
    dbt_run_timed(RUN, SELECT)
    assert contents(home / "wh.duckdb") == folded


def test_a_build_of_an_earlier_date_forgets_the_later_snapshots(home, tmp_path_factory, monkeypatch):
    for day in (S1, RUN):  # S2 skipped, then built after RUN: back in time
        dbt_run_timed(day, SELECT)
    dbt_run_timed(S2, SELECT)
    rebuilt = contents(home / "wh.duckdb")
    assert rebuilt == full_build(home, S2, tmp_path_factory, monkeypatch)
    assert watermarks(home / "wh.duckdb") == dict.fromkeys(HISTORIES, S2)
    assert not [r for r in rebuilt["int_wecom__relation_spells"] if r[0] == "e_d"]  # first seen on RUN


def test_tables_of_an_older_siyu_are_rebuilt_not_failed(home, tmp_path_factory, monkeypatch):
    import duckdb

    dbt_run_timed(S1, SELECT)
    # as an older Siyu left them: no written_on column, no watermarks (the schema differs, so an
    # incremental run into them would fail)
    with duckdb.connect(str(home / "wh.duckdb")) as con:
        con.execute("alter table main_intermediate.int_wecom__contact_unionids drop column written_on")
        con.execute("drop table main_intermediate.incremental_watermarks")
    dbt_run_timed(S2, SELECT)
    assert contents(home / "wh.duckdb") == full_build(home, S2, tmp_path_factory, monkeypatch)
    assert watermarks(home / "wh.duckdb") == dict.fromkeys(HISTORIES, S2)
