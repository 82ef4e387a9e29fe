"""Staging sets bad rows aside with the reason; good rows flow on to the marts."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from tests.dbt.conftest import build_fixture_warehouse, mp_user, order

DAY = "2026-01-01"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):

    home = tmp_path_factory.mktemp("quarantine")
    orders = [
        order(f"ord{i}", "o_1", "paid", "50.00", "2025-12-31T03:00:00", "2025-12-31T03:00:00")
        for i in range(5)
    ]
    orders[1]["amount"] = Decimal("-50.00")
    orders[2]["order_id"] = None
    users = [mp_user("o_1", "u_1", "2025-12-01T00:00:00")]
    rows = {("appdb", "orders"): orders, ("appdb", "mp_users"): users}
    warehouse = build_fixture_warehouse(home, {DAY: rows}, DAY)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        yield con


def test_bad_orders_are_quarantined_with_reasons(warehouse):
    query = "select entity, row_key, reason from main_marts.data_quarantine order by 2"
    rows = warehouse.execute(query).fetchall()
    assert rows == [("appdb.orders", "(null)", "null order_id"), ("appdb.orders", "ord1", "negative amount")]


def test_good_orders_flow_on(warehouse):
    kept = warehouse.execute("select order_id from main_marts.fct_orders order by 1").fetchall()
    assert kept == [("ord0",), ("ord3",), ("ord4",)]
