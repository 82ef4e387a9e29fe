"""One failing entity is held back while the other sources flow (issue 16).

Before: a day of orders landing x100 (a source type change) stopped the raw gate, so that day's
contacts, users and events never reached the marts either. Now the orders' partition is held back:
the build leaves it out, the orders stay at their last good state, everything else builds, the run
says so and the operators' group is alerted. Once the day is re-landed and passes, it is released.
"""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from siyu.contracts import RAW
from siyu.lake import Lake, Partition
from siyu.quality.runner import QualityGateError
from tests.dbt.conftest import LAKE, mp_user, order, table
from tests.deploy.robot import messages, robot_connection, serve_robot

pytestmark = pytest.mark.slow
DAY1, DAY2 = "2026-01-01", "2026-01-02"


def orders(amount: str, day: str) -> list[dict]:
    at = f"{day}T03:00:00"
    return [order(f"ord{i}", f"o_{i}", "paid", amount, at, at) for i in range(6)]


def land(lake: Lake, day: str, **entities: list[dict]) -> None:
    rows = {**LAKE[DAY1], **{("appdb", e): r for e, r in entities.items()}}
    for source, entity in RAW:
        lake.write(Partition(source, entity, day), table(source, entity, rows.get((source, entity), [])))


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SIYU_HOME", str(tmp_path))
    monkeypatch.setenv("SIYU_LAKE", str(tmp_path / "lake"))
    monkeypatch.setenv("SIYU_WAREHOUSE", str(tmp_path / "wh.duckdb"))
    robot = serve_robot()
    monkeypatch.setenv("AIRFLOW_CONN_SIYU_ALERTS", robot_connection(robot))
    yield tmp_path
    robot.shutdown()
    robot.server_close()


def marts(home) -> dict[str, list]:
    with duckdb.connect(str(home / "wh.duckdb"), read_only=True) as con:
        return {
            "amounts": sorted(
                {a for (a,) in con.execute("select amount from main_marts.fct_orders").fetchall()}
            ),
            "users": sorted(
                u for (u,) in con.execute("select mp_openid from main_staging.stg_appdb__mp_users").fetchall()
            ),
        }


def test_orders_landing_x100_are_held_back_while_the_other_sources_build(home, capsys):
    from siyu import tasks
    from siyu.quality.gates import held_back, held_partitions
    from siyu.warehouse_build import build_warehouse

    lake = Lake(str(home / "lake"))
    users = LAKE[DAY1]["appdb", "mp_users"]
    land(lake, DAY1, orders=orders("88.00", DAY1), mp_users=users)
    assert not any(r.get("held_back") for r in tasks.raw_gate(DAY1).values())
    new_user = mp_user("o_new", "u_new", f"{DAY2}T02:00:00")
    land(lake, DAY2, orders=orders("8800.00", DAY2), mp_users=[new_user])  # integer cents

    summary = tasks.raw_gate(DAY2)  # raised QualityGateError before: every source stopped
    assert summary["raw.appdb.orders"]["held_back"] and not summary["raw.appdb.orders"]["success"]
    assert summary["raw.appdb.orders"]["last_good_partition"] == DAY1
    assert summary["raw.appdb.mp_users"]["success"] and not summary["raw.appdb.mp_users"].get("held_back")
    assert held_partitions() == [f"appdb/orders/{DAY2}"]
    [why] = held_back()["appdb.orders"][DAY2]["failures"]
    assert "scale_change_vs_history(amount): observed 100.0" in why
    [alert] = messages("holds back")
    assert f"for {DAY2}" in alert and f"appdb.orders stays at {DAY1}" in alert and "observed 100.0" in alert

    from siyu.report import print_stops

    capsys.readouterr()
    print_stops(DAY2)  # the run's summary says so
    printed = capsys.readouterr().out
    assert f"held back: appdb.orders {DAY2} (stays at {DAY1}): scale_change_vs_history" in printed

    build_warehouse(DAY2)
    built = marts(home)
    assert built["amounts"] == [Decimal("88.00")]  # the orders at their last good state, none x100
    assert "o_new" in built["users"]  # the day's users flowed

    # a later day keeps the held partition out until its own date passes
    land(lake, "2026-01-03", orders=orders("90.00", "2026-01-03"), mp_users=[])
    assert not tasks.raw_gate("2026-01-03")["raw.appdb.orders"].get("held_back")
    assert held_partitions() == [f"appdb/orders/{DAY2}"]

    # the source fixed and the day re-landed: the gate releases it and the build takes it
    land(lake, DAY2, orders=orders("92.50", DAY2), mp_users=[new_user])
    assert tasks.raw_gate(DAY2)["raw.appdb.orders"]["success"]
    assert held_partitions() == []
    build_warehouse(DAY2)
    assert marts(home)["amounts"] == [Decimal("92.50")]


def test_an_entity_without_a_last_good_state_still_stops_the_run(home):
    from siyu import tasks
    from siyu.quality.gates import held_partitions

    lake = Lake(str(home / "lake"))
    bad = orders("88.00", DAY1)
    at = f"{DAY1}T03:00:00"
    bad += [order(f"neg{i}", "o_x", "paid", "-1.00", at, at) for i in range(11)]
    land(lake, DAY1, orders=bad)
    with pytest.raises(QualityGateError, match=r"raw\.appdb\.orders: expect_column_values_to_be_between"):
        tasks.raw_gate(DAY1)  # nothing earlier to hold on to: building without orders would mislead
    assert held_partitions() == []
    assert messages("holds back") == []
