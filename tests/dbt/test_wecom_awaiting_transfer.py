"""A resigned staff member's customer awaiting transfer (get_unassigned_list) is not lost: staff_daily
counts the relation apart, and the customer is not 'deleted by every staff member'.

Two WeCom snapshots: 03-01 (s1 holds Y, s3 holds X) and 03-10 (s3 has resigned: X's relation is gone
but X waits in get_unassigned_list for a new owner; Y was deleted by s1)."""

from __future__ import annotations

import duckdb
import pytest

from tests.dbt.conftest import build_fixture_warehouse, contact, ts

S1, RUN = "2026-03-01", "2026-03-10"


def follow(euid: str, staff: str) -> dict:
    return {
        "external_userid": euid,
        "userid": staff,
        "createtime": ts("2026-02-20T02:00:00"),
        "tags": [],
        "add_way": 1,
    }


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    home = tmp_path_factory.mktemp("awaiting")
    lake = {
        S1: {
            ("wecom", "follow_users"): [follow("e_x", "s3"), follow("e_y", "s1"), follow("e_z", "s1")],
            ("wecom", "external_contacts"): [contact(f"e_{p}", f"u_{p}") for p in "xyz"],
        },
        RUN: {
            ("wecom", "follow_users"): [follow("e_z", "s1")],
            ("wecom", "external_contacts"): [contact("e_z", "u_z")],
            ("wecom", "unassigned_contacts"): [
                {
                    "handover_userid": "s3",
                    "external_userid": "e_x",
                    "dimission_time": ts("2026-03-05T02:00:00"),
                }
            ],
        },
    }
    warehouse = build_fixture_warehouse(home, lake, RUN)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        yield connection


def test_staff_daily_tells_awaiting_transfer_from_lost(con):
    got = {
        staff: (contacts, lost, awaiting)
        for staff, contacts, lost, awaiting in con.execute(
            "select staff_userid, contacts, lost, awaiting_transfer from main_marts.staff_daily "
            "where day = date '2026-03-10'"
        ).fetchall()
    }
    assert got == {"s1": (1, 1, 0), "s3": (0, 0, 1)}


def test_a_customer_awaiting_transfer_is_not_deleted_by_every_staff_member(con):
    presence = {
        euid: (awaiting, deleted_on)
        for euid, awaiting, deleted_on in con.execute(
            "select ci.identifier, p.awaiting_transfer, p.deleted_by_all_on "
            "from main_intermediate.int_customer_wecom_presence p "
            "join main_marts.customer_identifiers ci using (customer_id) "
            "where ci.identifier_type = 'external_userid'"
        ).fetchall()
    }
    assert presence["e_x"] == (True, None)
    assert presence["e_y"][0] is False and presence["e_y"][1].isoformat() == RUN
    assert presence["e_z"] == (False, None)
