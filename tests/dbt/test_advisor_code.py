"""The "add your advisor" code (issue 19): a contact whose follow_info state is the state the brand's
backend created for a mini-program user is that user (int_wecom__advisor_code_links, rule
contact_way_state), and the simulator draws it for the configured share of users.

x: contact e_x (no unionid) added through state adv_x, which the app DB's advisor_codes gives o_x
y: contact e_y added through a channel code (store_qr) that no user holds: no link
"""

from __future__ import annotations

import datetime as dt

import duckdb

from tests.dbt.conftest import build_fixture_warehouse, contact, follow, mp_user, ts

DAY = "2026-06-30"


def test_a_contact_way_state_links_the_contact_to_its_user(tmp_path):
    fx, fy = follow("e_x", "2026-06-10T03:00:00"), follow("e_y", "2026-06-11T03:00:00")
    fx["state"], fy["state"] = "adv_x", "store_qr"
    rows = {
        ("wecom", "external_contacts"): [contact("e_x", None), contact("e_y", None)],
        ("wecom", "follow_users"): [fx, fy],
        ("appdb", "mp_users"): [mp_user("o_x", None, "2026-06-10T02:00:00")],
        ("appdb", "advisor_codes"): [
            {"openid": "o_x", "state": "adv_x", "created_at": ts("2026-06-10T02:58:00"),
             "updated_at": ts("2026-06-10T02:58:00")},
        ],
    }  # fmt: skip
    warehouse = build_fixture_warehouse(tmp_path, {DAY: rows}, DAY)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        links = con.execute("""
            select rule, left_type, left_identifier, right_type, right_identifier, first_seen_at,
                   last_seen_at, first_landed_on, written_on
            from main_intermediate.int_wecom__advisor_code_links
        """).fetchall()
    assert links == [
        ("contact_way_state", "external_userid", "e_x", "mp_openid", "o_x", ts("2026-06-10T03:00:00"),
         None, dt.date(2026, 6, 30), dt.date(2026, 6, 30)),
    ]  # fmt: skip


def test_the_simulator_gives_the_share_its_code():
    from siyu_dev.simulator.world import build_world

    def world(share):
        return build_world(people=600, days=40, seed=3, end=dt.date(2026, 6, 30), advisor_code_share=share)

    none, half, every = world(0.0), world(0.5), world(1.0)
    assert none.appdb_rows["advisor_codes"] == []
    assert 0 < len(half.appdb_rows["advisor_codes"]) < len(every.appdb_rows["advisor_codes"])
    states = {f.get("state") for c in every.wecom_state["contacts"] for f in c["follow_user"]}
    deleted = every.wecom_state["history"]["deleted_contacts"]
    states |= {f.get("state") for d in deleted for f in d["contact"]["follow_user"]}
    assert all(c["state"] in states and len(c["state"]) <= 30 for c in every.appdb_rows["advisor_codes"])
    assert none.appdb_rows["orders"] == every.appdb_rows["orders"]  # the rest of the world is the same
