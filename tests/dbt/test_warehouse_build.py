"""Known answers from the hand-made lake in conftest.py, after dbt builds of day 1 and day 2."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest

DAY1, DAY2 = "2026-01-01", "2026-01-02"  # the two days of the lake in conftest.py

pytestmark = pytest.mark.slow


def customer_of(built, day: str) -> dict[str, str]:
    return {ident: cid for _type, ident, cid in built["results"][day]["identifiers"]}


def expected_id(identifier_type: str, value: str) -> str:
    return "c_" + hashlib.md5(f"{identifier_type}:{value}".encode()).hexdigest()[:16]


def test_shared_unionid_links_wecom_contact_and_mini_program_user(built):
    c = customer_of(built, DAY1)
    assert c["e_alice"] == c["o_alice"] == c["u_alice"]
    # Anchor: e_alice and u_alice were first seen together (contact added); unionid wins the tie.
    assert c["e_alice"] == expected_id("unionid", "u_alice")


def test_long_chain_resolves_to_one_customer(built):
    c = customer_of(built, DAY2)
    chain = ["o_chain1", "u_chain1", "e_chain", "u_chain2", "o_chain2"]
    assert len({c[i] for i in chain}) == 1


def test_unrelated_people_stay_apart(built):
    c = customer_of(built, DAY2)
    people = ["e_alice", "e_chain", "e_bob", "o_carol", "o_dave"]
    assert len({c[i] for i in people}) == len(people)
    assert len(built["results"][DAY2]["customers"]) == len(people)


def test_customer_id_stable_when_a_new_day_adds_an_identifier(built):
    day1, day2 = customer_of(built, DAY1), customer_of(built, DAY2)
    assert "e_new" not in day1  # day 2's partition is ignored by the day-1 build (dt <= run_date)
    assert day2["e_new"] == day2["e_alice"] == day1["e_alice"]
    assert day2["e_chain"] == day1["e_chain"]  # the chain grew on day 2; its id did not move


def test_orders_join_the_right_customer(built):
    c = customer_of(built, DAY2)
    orders = {o[0]: o for o in built["results"][DAY2]["orders"]}
    assert orders["ord1"][1] == c["e_alice"]
    assert orders["ord3"][1] == c["o_dave"]


def test_updated_order_appears_once_with_latest_status(built):
    day1 = [o for o in built["results"][DAY1]["orders"] if o[0] == "ord2"]
    day2 = [o for o in built["results"][DAY2]["orders"] if o[0] == "ord2"]
    assert [o[2] for o in day1] == ["created"]
    assert [o[2] for o in day2] == ["paid"]
    assert len(built["results"][DAY2]["orders"]) == 3  # ord1's overlap duplicate collapsed too


def test_dim_customers_counts_and_revenue(built):
    c = customer_of(built, DAY2)
    rows = {r[0]: r for r in built["results"][DAY2]["customers"]}
    # (customer_id, identifiers, unionids, external_userids, mp_openids, first_seen, last_seen,
    #  has_wecom, has_mini_program, orders, paid_orders, total_paid, ...)
    alice = rows[c["e_alice"]]
    assert alice[1:5] == (4, 1, 2, 1)
    assert alice[7:12] == (True, True, 1, 1, Decimal("100.00"))
    carol = rows[c["o_carol"]]
    assert carol[7:12] == (False, True, 1, 1, Decimal("50.00"))
    bob = rows[c["e_bob"]]
    assert bob[7:12] == (True, False, 0, 0, Decimal("0.00"))


def test_bad_run_date_fails_clearly(built):
    from siyu.warehouse import DbtBuildError, dbt_build

    with pytest.raises(DbtBuildError, match="run_date must be 'YYYY-MM-DD'"):
        dbt_build("not-a-date", select="stg_appdb__orders")


def test_quality_gates_on_the_built_lake_and_warehouse(built):
    from siyu.quality.gates import run_marts_gate, run_raw_gate
    from siyu.report import quality_results

    raw = run_raw_gate(DAY2)
    marts = run_marts_gate(DAY2)
    assert raw["raw.wecom.external_contacts"]["success"]
    assert raw["raw.wecom.external_contacts"]["warnings"] >= 1  # toy unionids fail the format check
    assert marts["marts.dim_customers"]["success"]
    written = {r["suite"]: r for r in quality_results(DAY2)}  # what the run summary prints
    from siyu.quality.gates import suites_dir

    assert set(written) == {p.stem for p in suites_dir().glob("*.json")}  # every suite ran and was kept
    docs = built["home"] / "docs" / "gx" / DAY2
    index = (docs / "index.html").read_text()
    assert all(f'href="{suite}.html"' in index for suite in written)
    assert "must never be null" in (docs / "marts.dim_customers.html").read_text()  # GX's own renderer
    assert written["marts.dim_customers"]["evaluated"] == 11
