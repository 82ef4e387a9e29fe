"""The raw gate judges per source and entity, with thresholds in rows and in share: one bad row on a
quiet day is set aside (a warning) and stops nothing; a unit change (cents landing x100) or a flood
of bad rows stops the run with a message naming source, entity and field."""

from __future__ import annotations

from decimal import Decimal

import pytest

from siyu.contracts import RAW
from siyu.lake import Lake, Partition
from siyu.quality.runner import QualityGateError
from tests.dbt.conftest import LAKE, mp_user, order, table

DAY1, DAY2 = "2026-01-01", "2026-01-02"


def orders(n: int, amount: str = "88.00") -> list[dict]:
    return [
        order(f"ord{i:03d}", f"o_{i}", "paid", amount, "2025-12-31T03:00:00", "2025-12-31T03:00:00")
        for i in range(n)
    ]


@pytest.fixture
def lake(tmp_path, monkeypatch):
    monkeypatch.setenv("SIYU_HOME", str(tmp_path))
    monkeypatch.setenv("SIYU_LAKE", str(tmp_path / "lake"))
    return Lake(str(tmp_path / "lake"))


def land(lake: Lake, day: str, **entities: list[dict]) -> None:
    rows = {**LAKE["2026-01-01"], **{("appdb", e): r for e, r in entities.items()}}
    for source, entity in RAW:
        lake.write(Partition(source, entity, day), table(source, entity, rows.get((source, entity), [])))


def test_one_bad_order_in_seven_and_one_null_openid_stop_nothing(lake):
    from siyu.quality.gates import run_raw_gate

    bad = orders(7)
    bad[3]["amount"] = Decimal("-88.00")
    users = [mp_user("o_1", "u_1", "2025-12-01T00:00:00"), mp_user(None, "u_2", "2025-12-01T00:00:00")]
    land(lake, DAY1, orders=bad, mp_users=users)
    summary = run_raw_gate(DAY1)  # raised QualityGateError before: every source stopped
    # a warning each for the bad row, and one each for the source's freshness (these rows are days old)
    assert summary["raw.appdb.orders"] == {**summary["raw.appdb.orders"], "success": True, "warnings": 2}
    assert summary["raw.appdb.mp_users"]["success"] and summary["raw.appdb.mp_users"]["warnings"] == 2
    assert all(s["success"] for s in summary.values())


def test_many_bad_orders_still_stop_the_run_naming_entity_and_field(lake):
    from siyu.quality.gates import run_raw_gate

    bad = orders(40)
    for row in bad[:11]:  # over 10 rows and over 1 %
        row["amount"] = Decimal("-1.00")
    land(lake, DAY1, orders=bad)
    with pytest.raises(
        QualityGateError,
        match=r"raw\.appdb\.orders: expect_column_values_to_be_between"
        r"\(amount\): 11 unexpected",
    ):
        run_raw_gate(DAY1)


def test_amounts_landing_x100_stop_the_run_against_the_sources_history(lake):
    from siyu.quality.gates import run_raw_gate

    land(lake, DAY1, orders=orders(30))
    land(lake, DAY2, orders=orders(30, "8800.00"))  # integer cents after a column type change
    with pytest.raises(QualityGateError) as failed:
        run_raw_gate(DAY2)
    assert "raw.appdb.orders: scale_change_vs_history(amount): observed 100.0" in str(failed.value)
    land(lake, DAY2, orders=orders(30, "92.50"))  # prices move; units do not
    assert run_raw_gate(DAY2)["raw.appdb.orders"]["success"]


def test_rows_extraction_quarantined_are_set_aside_not_judged(lake):
    from siyu.quality.gates import run_raw_gate

    rows = orders(7)
    rows[0].update(updated_at=None, quarantine_reason="updated_at 'yesterday' is not a time")
    land(lake, DAY1, orders=rows)
    assert run_raw_gate(DAY1)["raw.appdb.orders"]["success"]  # updated_at not null judged on the rest
    for row in rows[:3]:
        row["quarantine_reason"] = "updated_at 2099-01-01T00:00:00 is in the future"
    land(lake, DAY1, orders=rows)  # 3 of 7: over 1 % but not over 10 rows
    assert run_raw_gate(DAY1)["raw.appdb.orders"]["success"]
    many = orders(40)
    for row in many[:12]:
        row["quarantine_reason"] = "updated_at 2099-01-01T00:00:00 is in the future"
    land(lake, DAY1, orders=many)
    with pytest.raises(QualityGateError, match=r"raw\.appdb\.orders: quarantined_rows: 12 unexpected"):
        run_raw_gate(DAY1)


def refunds(n: int, amount: str) -> list[dict]:
    from tests.dbt.conftest import ts

    at = ts("2025-12-31T06:00:00")
    return [
        {
            "refund_id": f"rf{i:03d}",
            "order_id": f"ord{i:03d}",
            "amount": Decimal(amount),
            "reason": "size",
            "created_at": at,
            "updated_at": at,
        }
        for i in range(n)
    ]


def test_refunds_landing_x100_stop_the_run_too(lake):
    """The x100 check covered orders and lines only: refunds in cents would have turned net spend,
    CLV and AOV negative."""
    from siyu.quality.gates import run_raw_gate

    land(lake, DAY1, orders=orders(30), refunds=refunds(10, "20.00"))
    land(lake, DAY2, orders=orders(30), refunds=refunds(10, "2000.00"))
    with pytest.raises(QualityGateError) as failed:
        run_raw_gate(DAY2)
    assert "raw.appdb.refunds: scale_change_vs_history(amount): observed 100.0" in str(failed.value)
    land(lake, DAY2, orders=orders(30), refunds=refunds(10, "25.00"))
    assert run_raw_gate(DAY2)["raw.appdb.refunds"]["success"]
