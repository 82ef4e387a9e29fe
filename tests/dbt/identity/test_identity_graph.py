"""Identity resolution on hand-made graphs with known answers, built into a warehouse on two days.

- chain: 1,000 identifiers in one line (o0–u0–e0–p0–o1–u1–…): one customer, anchored on u0.
- hub: one phone authorised by 5 mini-program users → cut (shared_by_too_many), 5 customers, splits logged.
- test number: 13800138000 on 2 users → cut (test_number).
- family: b's phone on a's orders (order_receiver_phone) → a and b stay apart.
- tie: a unionid and an openid first seen at the same instant → the unionid anchors (type order).
- merge: day 1 mini-program user m1 and a WeCom contact m2 (no unionid, staff noted phone pm) are
  two customers; on day 2 m1 authorises pm → one customer, m1's (older) id survives, merge logged.
- late hub: day 1 users lh1, lh2 share phone pl (one customer, anchored on lh1); on day 2 lh3 and lh4
  authorise pl too → pl is cut, lh1's part keeps the id, lh2 gets its own, the split is logged.
- late evidence: day 1 knows openid o_late only from an order (10 Jul); on day 2 its user row lands with
  unionid u_late and an older created_at (9 Jul): the customer keeps the id it had (anchored on the
  identifier the warehouse knew first), it does not move to the unionid.
- ID conversion: WeCom says contact e_fb is user o_fb (u_fb) on day 1, when both first land: one
  customer, no merge (the link held since both existed). Contact e_cv (its detail hides the unionid)
  and user o_cv (u_cv) are two customers on day 1; the conversion lands on day 2 → one customer,
  u_cv's (older) id survives, the merge is logged under wecom_unionid_conversion.
- bridge: user o_br (13 Jul) and contact e_br (14 Jul) are two customers until, at one instant
  (1 Aug), o_br authorises a new phone and a second staff member notes it on e_br: the new phone
  bridges them, o_br's id survives and the merge is logged, though no edge is newer than both its
  ends (all of it lands on day 1: the log does not depend on which dates were built).

Day 2 is built on top of day 1 (the incremental build recomputes only what day 2's evidence
touches) and must equal a build of day 2 from scratch; switching the receiver phone rule on then
rebuilds the identity (the family merges).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
import yaml

from siyu.privacy import phone_hash
from tests.dbt.conftest import contact, follow, order
from tests.dbt.identity.graphs import KEY, cid, customer_ids, land, user

DAY1, DAY2 = "2026-01-01", "2026-01-02"
D1, D2 = dt.date(2026, 1, 1), dt.date(2026, 1, 2)
BLOCKS = 250  # 4 identifiers each: 1,000 in the chain


def ph(n: int) -> str:
    return f"139{n:08d}"


def day1() -> dict:
    users, contacts, follows = [], [], []
    base = dt.datetime(2025, 6, 1, 0, 0)
    for i in range(BLOCKS):
        at = (base + dt.timedelta(minutes=i)).isoformat()
        users.append(user(f"o_chain{i}", f"u_chain{i}", at, phone=ph(i - 1) if i else None))
        contacts.append(contact(f"e_chain{i}", f"u_chain{i}"))
        f = follow(f"e_chain{i}", at)
        f["remark_mobile_hashes"] = [phone_hash(ph(i), KEY)]
        follows.append(f)
    users += [user(f"o_hub{i}", None, "2025-07-01T00:00:00", phone="13711112222") for i in range(5)]
    users += [user(f"o_test{i}", None, "2025-07-02T00:00:00", phone="13800138000") for i in range(2)]
    users += [
        user("o_a", None, "2025-07-03T00:00:00", phone="13722223333"),
        user("o_b", None, "2025-07-03T00:00:00", phone="13733334444"),
        user("o_tie", "u_tie", "2025-07-04T00:00:00"),
        user("o_m1", "u_m1", "2025-07-05T00:00:00"),
    ]
    users += [
        user("o_lh1", None, "2025-07-07T00:00:00", phone="13755556666"),
        user("o_lh2", None, "2025-07-08T00:00:00", phone="13755556666"),
    ]
    users += [user("o_fb", "u_fb", "2025-07-11T00:00:00"), user("o_cv", "u_cv", "2025-07-11T00:00:00")]
    for euid, added in (("e_fb", "2025-07-12T00:00:00"), ("e_cv", "2025-07-12T00:00:00")):
        contacts.append(contact(euid, None))  # the contact's detail hides the unionid
        follows.append(follow(euid, added))
    bridge_phone = "13766667777"
    users.append(user("o_br", None, "2025-07-13T00:00:00", phone=bridge_phone, updated="2025-08-01T00:00:00"))
    contacts.append(contact("e_br", None))
    follows.append(follow("e_br", "2025-07-14T00:00:00"))
    second_staff = follow("e_br", "2025-08-01T00:00:00")
    second_staff["userid"], second_staff["remark_mobile_hashes"] = "staff_2", [phone_hash(bridge_phone, KEY)]
    follows.append(second_staff)
    receiver = order("ord_fam", "o_a", "paid", "10.00", "2025-07-06T00:00:00", "2025-07-06T00:00:00")
    receiver["receiver_phone_hash"] = phone_hash("13733334444", KEY)
    contacts.append(contact("e_m2", None))
    f = follow("e_m2", "2025-07-06T00:00:00")
    f["remark_mobile_hashes"] = [phone_hash("13744445555", KEY)]
    follows.append(f)
    return {
        ("appdb", "mp_users"): users,
        ("wecom", "external_contacts"): contacts,
        ("wecom", "follow_users"): follows,
        ("wecom", "unionid_links"): [link("u_fb", "o_fb", "e_fb", D1, D1)],
        ("appdb", "orders"): [
            receiver,
            order("ord_late", "o_late", "paid", "20.00", "2025-07-10T00:00:00", "2025-07-10T00:00:00"),
        ],
    }


def day2(first: dict) -> dict:
    later = user("o_m1", "u_m1", "2025-07-05T00:00:00", phone="13744445555", updated="2026-01-02T03:00:00")
    late_hub = [user(f"o_lh{i}", None, "2026-01-02T01:00:00", phone="13755556666") for i in (3, 4)]
    late_row = user("o_late", "u_late", "2025-07-09T00:00:00", updated="2026-01-02T02:00:00")
    return {
        ("appdb", "mp_users"): [later, *late_hub, late_row],
        ("wecom", "external_contacts"): first[("wecom", "external_contacts")],
        ("wecom", "follow_users"): first[("wecom", "follow_users")],
        ("wecom", "unionid_links"): [
            link("u_fb", "o_fb", "e_fb", D1, D2),
            link("u_cv", "o_cv", "e_cv", D2, D2),
        ],
    }


def link(unionid: str, openid: str, external_userid: str, linked: dt.date, checked: dt.date) -> dict:
    return {
        "unionid": unionid,
        "openid": openid,
        "external_userid": external_userid,
        "linked_on": linked,
        "first_checked_on": linked,
        "checked_on": checked,
    }


IDENTITY_SELECTION = (
    "+customer_identifiers +identity_merges +identity_quarantine +identity_evidence +identity_review"
)


def identity_marts(warehouse) -> dict:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            "ids": customer_ids(con),
            "identifiers": con.execute("from main_marts.customer_identifiers order by all").fetchall(),
            "quarantine": con.execute(
                "select reason, degree from main_marts.identity_quarantine order by all"
            ).fetchall(),
            "log": con.execute(
                "select event, absorbed_id, surviving_id, rule from main_marts.identity_merges order by all"
            ).fetchall(),
            "evidence": con.execute(
                "select customer_id, rule, left_identifier, right_identifier, right_customer_id,"
                " merged from main_marts.identity_evidence order by all"
            ).fetchall(),
            "review": con.execute(
                "select review_rank, customer_id, candidate_customer_id, likelihood, rules,"
                " shared_identifiers from main_marts.identity_review order by review_rank"
            ).fetchall(),
        }


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from siyu.warehouse import dbt_build, dbt_project_dir, dbt_run_timed

    home = tmp_path_factory.mktemp("identity_home")
    first = day1()
    days = {DAY1: first, DAY2: day2(first)}
    results = {}
    with pytest.MonkeyPatch.context() as mp:
        land(mp, home, days)
        mp.setenv("SIYU_WAREHOUSE", str(home / "wh" / "siyu.duckdb"))
        for day in days:
            dbt_build(day)
            results[day] = identity_marts(home / "wh" / "siyu.duckdb")
        # DAY2 built from scratch, in a warehouse of its own: what the incremental run must equal
        mp.setenv("SIYU_WAREHOUSE", str(home / "scratch" / "siyu.duckdb"))
        dbt_run_timed(DAY2, IDENTITY_SELECTION)
        results["scratch"] = identity_marts(home / "scratch" / "siyu.duckdb")
        # the daily warehouse again, with the receiver phone rule switched on: a new configuration
        mp.setenv("SIYU_WAREHOUSE", str(home / "wh" / "siyu.duckdb"))
        defaults = yaml.safe_load((dbt_project_dir() / "dbt_project.yml").read_text())["vars"]
        assert "order_receiver_phone" not in defaults["identity_merge_rules"]
        rules = [*defaults["identity_merge_rules"], "order_receiver_phone"]
        dbt_run_timed(DAY2, IDENTITY_SELECTION, {"identity_merge_rules": rules})
        results["receiver_rule"] = identity_marts(home / "wh" / "siyu.duckdb")
    return results


def test_a_thousand_node_chain_is_one_customer(built):
    ids = built[DAY1]["ids"]
    phones = {f"phone_hash:{phone_hash(ph(i), KEY)}" for i in range(BLOCKS)}
    members = [k for k in ids if "chain" in k or k in phones]
    assert len(members) == 4 * BLOCKS  # an openid, a unionid, a contact and a phone per block
    # o0, u0, e0 and p0 are all first seen at the same instant: the unionid wins the tie.
    assert {ids[k] for k in members} == {cid("unionid", "u_chain0")}


def test_hub_and_test_numbers_are_cut_and_splits_logged(built):
    result = built[DAY1]
    assert result["quarantine"] == [("shared_by_too_many", 5), ("test_number", 2)]
    hubs = {result["ids"][f"mp_openid:o_hub{i}"] for i in range(5)}
    assert len(hubs) == 5
    splits = [row for row in result["log"] if row[0] == "split"]
    assert len(splits) == 4 + 1  # 4 hub customers kept apart from the first, 1 test account
    assert {r[3] for r in splits} == {"junk_guard:shared_by_too_many", "junk_guard:test_number"}
    assert not any(
        k.startswith("phone_hash:") and k.endswith(phone_hash("13711112222", KEY)) for k in result["ids"]
    )


def test_receiver_phone_does_not_merge_a_family(built):
    ids = built[DAY1]["ids"]
    assert ids["mp_openid:o_a"] != ids["mp_openid:o_b"]


def test_tie_break_prefers_the_unionid(built):
    ids = built[DAY1]["ids"]
    assert ids["mp_openid:o_tie"] == ids["unionid:u_tie"] == cid("unionid", "u_tie")


def test_new_evidence_merges_and_the_older_id_survives(built):
    d1, d2 = built[DAY1], built[DAY2]
    m1, m2 = d1["ids"]["mp_openid:o_m1"], d1["ids"]["external_userid:e_m2"]
    assert m1 != m2
    assert d2["ids"]["external_userid:e_m2"] == d2["ids"]["mp_openid:o_m1"] == m1
    assert ("merge", m2, m1, "mp_user_phone") in d2["log"]
    # the first build logs one merge: the bridge (its evidence is dated after both customers)
    assert [r for r in d1["log"] if r[0] == "merge"] == [
        ("merge", cid("external_userid", "e_br"), cid("mp_openid", "o_br"), "staff_remark_phone")
    ]


def test_ids_are_stable_from_one_day_to_the_next(built):
    d1, d2 = built[DAY1]["ids"], built[DAY2]["ids"]
    moved = {k for k, v in d1.items() if d2.get(k) != v}
    # e_m2 and its noted phone, e_cv: those customers were absorbed; lh2 and the phone pl: the late
    # hub split
    pl = f"phone_hash:{phone_hash('13755556666', KEY)}"
    pm = f"phone_hash:{phone_hash('13744445555', KEY)}"
    assert moved == {"external_userid:e_m2", pm, "mp_openid:o_lh2", pl, "external_userid:e_cv"}


def test_a_hub_crossing_the_limit_overnight_splits_and_the_anchor_keeps_its_id(built):
    d1, d2 = built[DAY1], built[DAY2]
    first = cid("mp_openid", "o_lh1")
    assert d1["ids"]["mp_openid:o_lh1"] == d1["ids"]["mp_openid:o_lh2"] == first
    assert d2["ids"]["mp_openid:o_lh1"] == first
    assert d2["ids"]["mp_openid:o_lh2"] == cid("mp_openid", "o_lh2")
    assert ("shared_by_too_many", 4) in d2["quarantine"]
    assert ("split", cid("mp_openid", "o_lh2"), first, "junk_guard:shared_by_too_many") in d2["log"]


def test_evidence_landing_later_with_an_older_timestamp_does_not_move_the_id(built):
    d1, d2 = built[DAY1]["ids"], built[DAY2]["ids"]
    assert d1["mp_openid:o_late"] == cid("mp_openid", "o_late")
    assert d2["mp_openid:o_late"] == d2["unionid:u_late"] == cid("mp_openid", "o_late")


def test_wecom_id_conversion_merges_when_it_lands_after_both_customers(built):
    d1, d2 = built[DAY1], built[DAY2]
    assert d1["ids"]["external_userid:e_fb"] == d1["ids"]["mp_openid:o_fb"] == cid("unionid", "u_fb")
    assert d1["ids"]["external_userid:e_cv"] == cid("external_userid", "e_cv")
    assert d1["ids"]["mp_openid:o_cv"] == cid("unionid", "u_cv")
    assert d2["ids"]["external_userid:e_cv"] == d2["ids"]["mp_openid:o_cv"] == cid("unionid", "u_cv")
    merge = ("merge", cid("external_userid", "e_cv"), cid("unionid", "u_cv"), "wecom_unionid_conversion")
    assert merge in d2["log"]
    merged_away = {r[1] for r in d2["log"] if r[0] == "merge"}
    assert cid("external_userid", "e_fb") not in merged_away  # one customer from its first build


def test_a_new_identifier_bridging_two_older_customers_logs_their_merge(built):
    ids = built[DAY1]["ids"]
    assert ids["external_userid:e_br"] == ids["mp_openid:o_br"] == cid("mp_openid", "o_br")
    merge = ("merge", cid("external_userid", "e_br"), cid("mp_openid", "o_br"), "staff_remark_phone")
    assert merge in built[DAY1]["log"] and merge in built[DAY2]["log"]


def test_the_evidence_explains_a_customer(built):
    d2 = built[DAY2]
    ids, pm = d2["ids"], phone_hash("13744445555", KEY)
    m1 = ids["mp_openid:o_m1"]
    # why o_m1 and e_m2 are one customer: both link to the phone pm, by two merging rules
    links = {(rule, left, right, merged) for c, rule, left, right, _, merged in d2["evidence"] if c == m1}
    assert {("mp_user_phone", "o_m1", pm, True), ("staff_remark_phone", "e_m2", pm, True),
            ("mp_user_unionid", "o_m1", "u_m1", True)} <= links  # fmt: skip
    # a's order goes to b's phone: evidence on a, not merged, and the phone is b's
    b_phone = phone_hash("13733334444", KEY)
    family = [e for e in d2["evidence"] if e[1] == "order_receiver_phone" and e[2] == "o_a"]
    a, b = ids["mp_openid:o_a"], ids["mp_openid:o_b"]
    assert family == [(a, "order_receiver_phone", "o_a", b_phone, b, False)]
    # the hub phone was cut: each user's link to it stays, unmerged, with no customer on the right
    hub = [e for e in d2["evidence"] if e[2] == "o_hub0"]
    assert [(e[1], e[4], e[5]) for e in hub] == [("mp_user_phone", None, False)]


def test_the_review_queue_lists_what_non_merging_evidence_would_join_most_likely_first(built):
    d2 = built[DAY2]
    ids, review = d2["ids"], d2["review"]
    pair = tuple(sorted([ids["mp_openid:o_a"], ids["mp_openid:o_b"]]))
    # the family: a's order to b's phone; a has a phone of their own, so a relative's is likelier
    family = [r for r in review if (r[1], r[2]) == pair]
    assert family == [(family[0][0], *pair, 0.5, "order_receiver_phone", 1)]
    # the hub cut for five users: each pair of them, far less likely (1 / 4, halved for a cut hub)
    hub = {ids[f"mp_openid:o_hub{i}"] for i in range(5)}
    hub_rows = [r for r in review if {r[1], r[2]} <= hub]
    assert len(hub_rows) == 10 and {r[3] for r in hub_rows} == {0.125}
    assert family[0][0] < min(r[0] for r in hub_rows)
    # test numbers say nothing about who is who; nobody already one customer is listed
    tests = {ids[f"mp_openid:o_test{i}"] for i in range(2)}
    assert not any({r[1], r[2]} <= tests for r in review)
    assert all(r[1] != r[2] for r in review)
    assert [r[0] for r in review] == list(range(1, len(review) + 1))


def test_the_daily_build_equals_a_build_from_scratch(built):
    # DAY2 was built on top of DAY1 (only what changed recomputed): merges, the hub split, the late
    # conversion all reached exactly what a first build of DAY2 gives
    assert built[DAY2] == built["scratch"]


def test_a_change_of_the_merge_rules_rebuilds_the_identity(built):
    # the family's receiver phone merges them now; the stored evidence and graph were rebuilt, not
    # left with yesterday's rules
    ids = built["receiver_rule"]["ids"]
    assert ids["mp_openid:o_a"] == ids["mp_openid:o_b"]
