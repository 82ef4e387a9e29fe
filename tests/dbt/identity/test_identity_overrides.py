"""Operators' overrides on hand-made graphs, built into a warehouse day by day from the inbox
(var identity_overrides_inbox: a CSV rewritten before each run, as a review tool would).

- link: user o_l1 and contact e_l2 share no evidence; on day 2 an operator links them → one
  customer, o_l1's (older) id survives, the merge is logged (rule operator, the reason); on day 3
  the decision leaves the inbox → two customers again.
- chain unmerge: o_s0–u_s0–e_s0–P_s–o_s1–u_s1–e_s1 is one customer; on day 2 o_s0 and o_s1 are
  separated → the evidence is taken as it arrived and the link that would join them (o_s1's phone
  P_s, the newest on the path) is skipped: the part holding the oldest identifier (u_s0) keeps the
  id, o_s1's part gets its own, the split is logged.
- later edge: o_c1 and e_c2 are separated on day 1; on day 2 evidence joining them arrives (a phone
  o_c1 authorises and staff noted on e_c2) → they stay apart; the phone goes with the evidence the
  warehouse knew first (o_c1's: a user's phone is dated by the user's first landing).
- junk: unionid u_j is junked on day 2 → e_j and o_j part, the split is logged, identity_quarantine
  lists u_j (reason operator).
- waiting link: o_w1 is linked on day 2 to contact e_w2, which lands on day 3 → one customer then.
- rejected: rows without a reason or with an unknown action change nothing.

Each day built on the day before equals a build of that day from scratch.
"""

from __future__ import annotations

import csv

import duckdb
import pytest

from siyu.contracts import IDENTITY_OVERRIDE_FIELDS
from siyu.privacy import phone_hash
from tests.dbt.conftest import contact, follow
from tests.dbt.identity.graphs import KEY, cid, customer_ids, land, user

DAY1, DAY2, DAY3 = "2026-01-01", "2026-01-02", "2026-01-03"
P_S, P_C = "13900000001", "13900000002"
SELECTION = "+customer_identifiers +identity_merges +identity_quarantine +identity_evidence"


def noted(euid, added, phone=None):
    row = follow(euid, added)
    row["remark_mobile_hashes"] = [phone_hash(phone, KEY)] if phone else []
    return row


def decision(
    action, left, right, reason="confirmed with the customer", by="ops_li", at="2026-01-02T10:00:00+08:00"
):
    (lt, li), (rt, ri) = left.split(":"), right.split(":") if right else (None, None)
    return dict(zip(IDENTITY_OVERRIDE_FIELDS, [action, lt, li, rt, ri, by, reason, at], strict=True))


def wecom(contacts: list, follows: list) -> dict:
    return {("wecom", "external_contacts"): contacts, ("wecom", "follow_users"): follows}


def lake_days() -> dict:
    contacts = [
        contact("e_s0", "u_s0"),
        contact("e_s1", "u_s1"),
        contact("e_c2", None),
        contact("e_j", "u_j"),
        contact("e_l2", None),
    ]
    follows = [
        noted("e_s0", "2025-06-02T00:00:00", P_S),
        noted("e_s1", "2025-06-04T00:00:00"),
        noted("e_c2", "2025-07-02T00:00:00"),
        noted("e_j", "2025-08-01T00:00:00"),
        noted("e_l2", "2025-09-02T00:00:00"),
    ]
    day1 = {
        **wecom(contacts, follows),
        ("appdb", "mp_users"): [
            user("o_s0", "u_s0", "2025-06-01T00:00:00"),
            user("o_s1", "u_s1", "2025-06-03T00:00:00", phone=P_S),
            user("o_c1", None, "2025-07-01T00:00:00"),
            user("o_j", "u_j", "2025-08-02T00:00:00"),
            user("o_l1", None, "2025-09-01T00:00:00"),
            user("o_w1", None, "2025-10-01T00:00:00"),
        ],
    }
    # day 2: evidence that would join o_c1 and e_c2
    follows2 = [
        noted("e_c2", "2025-07-02T00:00:00", P_C) if f["external_userid"] == "e_c2" else f for f in follows
    ]
    day2 = {
        **wecom(contacts, follows2),
        ("appdb", "mp_users"): [
            user("o_c1", None, "2025-07-01T00:00:00", phone=P_C, updated="2026-01-02T01:00:00")
        ],
    }
    day3 = wecom([*contacts, contact("e_w2", None)], [*follows2, noted("e_w2", "2026-01-03T01:00:00")])
    return {DAY1: day1, DAY2: day2, DAY3: day3}


def inbox_days() -> dict:
    separate_early = decision(
        "separate", "mp_openid:o_c1", "external_userid:e_c2", at="2026-01-01T09:00:00+08:00"
    )
    link = decision("link", "mp_openid:o_l1", "external_userid:e_l2", reason="same person: phone call")
    day2 = [
        separate_early,
        link,
        decision("separate", "mp_openid:o_s1", "mp_openid:o_s0", reason="two people, one phone"),
        decision("junk", "unionid:u_j", None, reason="staff member's own WeChat"),
        decision("link", "mp_openid:o_w1", "external_userid:e_w2", reason="store visit"),
        decision("link", "mp_openid:o_s0", "mp_openid:o_l1", reason=""),  # no reason: rejected
        decision("merge", "mp_openid:o_s0", "mp_openid:o_j"),  # no such action: rejected
    ]
    return {DAY1: [separate_early], DAY2: day2, DAY3: [r for r in day2 if r is not link]}


def identity(warehouse) -> dict:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            "ids": customer_ids(con),
            "identifiers": con.execute("from main_marts.customer_identifiers order by all").fetchall(),
            "log": con.execute(
                "select event, absorbed_id, surviving_id, rule, via_identifier, reason, decided_by"
                " from main_marts.identity_merges order by all"
            ).fetchall(),
            "quarantine": con.execute("from main_marts.identity_quarantine order by all").fetchall(),
            "evidence": con.execute("from main_marts.identity_evidence order by all").fetchall(),
            "rejected": con.execute(
                "select action, rejected_reason from main_intermediate.int_identity__overrides"
                " where rejected_reason is not null order by all"
            ).fetchall(),
        }


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from siyu.warehouse import dbt_run_timed

    home = tmp_path_factory.mktemp("overrides_home")
    inbox = home / "inbox" / "identity_overrides.csv"
    inbox.parent.mkdir()
    config = {"identity_overrides_inbox": str(inbox)}
    lake_rows, decisions = lake_days(), inbox_days()
    results = {}
    with pytest.MonkeyPatch.context() as mp:
        land(mp, home, lake_rows)
        for day in lake_rows:
            with inbox.open("w", newline="") as f:
                writer = csv.DictWriter(f, IDENTITY_OVERRIDE_FIELDS)
                writer.writeheader()
                writer.writerows(decisions[day])
            mp.setenv("SIYU_WAREHOUSE", str(home / "wh" / "siyu.duckdb"))
            dbt_run_timed(day, SELECTION, config)
            results[day] = identity(home / "wh" / "siyu.duckdb")
            if day != DAY1:  # the same day from scratch, in a warehouse of its own
                mp.setenv("SIYU_WAREHOUSE", str(home / f"scratch_{day}" / "siyu.duckdb"))
                dbt_run_timed(day, SELECTION, config)
                results["scratch", day] = identity(home / f"scratch_{day}" / "siyu.duckdb")
    return results


def test_a_link_merges_two_customers_logs_it_and_a_revoked_link_parts_them(built):
    d1, d2, d3 = (built[d]["ids"] for d in (DAY1, DAY2, DAY3))
    assert d1["mp_openid:o_l1"] != d1["external_userid:e_l2"]
    assert d2["mp_openid:o_l1"] == d2["external_userid:e_l2"] == cid("mp_openid", "o_l1")
    merge = (
        "merge",
        cid("external_userid", "e_l2"),
        cid("mp_openid", "o_l1"),
        "operator",
        None,
        "same person: phone call",
        "ops_li",
    )
    assert merge in built[DAY2]["log"]
    assert ("external_userid", "e_l2", cid("mp_openid", "o_l1"), "operator") in {
        r[:4] for r in built[DAY2]["identifiers"]
    }  # matched_by says who tied it
    assert d3["mp_openid:o_l1"] == cid("mp_openid", "o_l1")
    assert d3["external_userid:e_l2"] == cid("external_userid", "e_l2")
    assert merge not in built[DAY3]["log"]


def test_separating_the_ends_of_a_chain_cuts_the_newest_link_and_the_oldest_part_keeps_the_id(built):
    d1, d2 = built[DAY1]["ids"], built[DAY2]["ids"]
    chain = [
        "mp_openid:o_s0",
        "unionid:u_s0",
        "external_userid:e_s0",
        f"phone_hash:{phone_hash(P_S, KEY)}",
        "mp_openid:o_s1",
        "unionid:u_s1",
        "external_userid:e_s1",
    ]
    assert {d1[k] for k in chain} == {cid("unionid", "u_s0")}
    assert [d2[k] for k in chain] == [cid("unionid", "u_s0")] * 4 + [cid("unionid", "u_s1")] * 3
    split = (
        "split",
        cid("unionid", "u_s1"),
        cid("unionid", "u_s0"),
        "operator",
        "o_s0 | o_s1",
        "two people, one phone",
        "ops_li",
    )
    assert split in built[DAY2]["log"] and split in built[DAY3]["log"]


def test_a_separation_holds_against_evidence_arriving_later(built):
    d1, d2 = built[DAY1]["ids"], built[DAY2]["ids"]
    o_c1, e_c2, p_c = "mp_openid:o_c1", "external_userid:e_c2", f"phone_hash:{phone_hash(P_C, KEY)}"
    assert d1[o_c1] == d2[o_c1] == d2[p_c] == cid("mp_openid", "o_c1")
    assert d1[e_c2] == d2[e_c2] == cid("external_userid", "e_c2")
    merged_away = {r[1] for r in built[DAY2]["log"] if r[0] == "merge"}
    assert cid("external_userid", "e_c2") not in merged_away
    split = ("split", cid("external_userid", "e_c2"), cid("mp_openid", "o_c1"), "operator")
    assert split in {r[:4] for r in built[DAY2]["log"]}
    assert split not in {r[:4] for r in built[DAY1]["log"]}  # nothing joined them yet: nothing split


def test_a_junked_identifier_is_cut_and_the_split_logged(built):
    d1, d2 = built[DAY1]["ids"], built[DAY2]["ids"]
    assert d1["external_userid:e_j"] == d1["mp_openid:o_j"] == cid("unionid", "u_j")
    assert "unionid:u_j" not in d2
    assert d2["external_userid:e_j"] == cid("external_userid", "e_j")
    assert d2["mp_openid:o_j"] == cid("mp_openid", "o_j")
    assert (
        "split",
        cid("mp_openid", "o_j"),
        cid("external_userid", "e_j"),
        "operator",
        "u_j",
        "staff member's own WeChat",
        "ops_li",
    ) in built[DAY2]["log"]
    assert [r[:4] for r in built[DAY2]["quarantine"] if r[2] == "operator"] == [
        ("unionid", "u_j", "operator", 2)
    ]


def test_a_link_to_an_identifier_not_landed_yet_waits_for_it(built):
    assert "external_userid:e_w2" not in built[DAY2]["ids"]
    d3 = built[DAY3]["ids"]
    assert d3["external_userid:e_w2"] == d3["mp_openid:o_w1"] == cid("mp_openid", "o_w1")
    assert cid("external_userid", "e_w2") not in {r[1] for r in built[DAY3]["log"]}  # never a customer apart


def test_rows_that_cannot_be_applied_are_rejected_with_a_reason(built):
    assert built[DAY2]["rejected"] == [
        ("link", "who decided and why are required"),
        ("merge", "action must be link, separate or junk"),
    ]
    assert built[DAY2]["ids"]["mp_openid:o_l1"] != built[DAY2]["ids"]["mp_openid:o_s0"]


def test_each_day_built_on_the_last_equals_a_build_from_scratch(built):
    for day in (DAY2, DAY3):
        daily = {k: v for k, v in built[day].items() if k != "rejected"}
        scratch = {k: v for k, v in built["scratch", day].items() if k != "rejected"}
        assert daily == scratch, day
