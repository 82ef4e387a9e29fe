"""The simulated corp and app DB as they stood at an earlier moment (what a daily run saw that day)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import httpx
import pytest

from siyu_dev.simulator.timeline import appdb_rows_at, state_at
from siyu_dev.simulator.wecom_server import DEMO_CORPID, DEMO_SECRET, serve
from siyu_dev.simulator.world import build_world

END = dt.date(2026, 6, 30)


@pytest.fixture(scope="module")
def world():
    return build_world(people=600, days=45, seed=5, end=END)


def relations(state: dict) -> set[tuple[str, str, int]]:
    return {
        (c["external_contact"]["external_userid"], f["userid"], f["createtime"])
        for c in state["contacts"]
        for f in c["follow_user"]
    }


def test_at_the_end_of_the_window_the_state_is_the_final_one(world):
    final = world.wecom_state
    at_stop = state_at(final, world.end.replace(tzinfo=dt.UTC))  # World.end: the window's exclusive end
    assert relations(at_stop) == relations(final)
    assert at_stop["follow_user_list"] == final["follow_user_list"]
    assert at_stop["behavior"] == final["behavior"]
    assert [c["chat_id"] for c in at_stop["group_chats"]] == [c["chat_id"] for c in final["group_chats"]]


def test_a_contact_deleted_by_every_staff_member_is_there_until_the_deletion(world):
    gone = world.wecom_state["history"]["deleted_contacts"]
    assert gone, "the default noise deletes ~3 % of contacts"
    record = gone[0]
    euid = record["contact"]["external_contact"]["external_userid"]
    listed = {c["external_contact"]["external_userid"] for c in world.wecom_state["contacts"]}
    assert euid not in listed
    before = state_at(world.wecom_state, record["deleted_at"] - 1)
    after = state_at(world.wecom_state, record["deleted_at"])
    assert euid in {c["external_contact"]["external_userid"] for c in before["contacts"]}
    assert euid not in {c["external_contact"]["external_userid"] for c in after["contacts"]}


def test_before_a_resignation_the_original_staff_member_holds_the_customer(world):
    ended = world.wecom_state["history"]["ended_follows"][0]
    left = world.wecom_state["history"]["staff_left"][ended["follow"]["userid"]]
    assert ended["until"] == left
    before = relations(state_at(world.wecom_state, left - 1))
    after = relations(state_at(world.wecom_state, left))
    original = (ended["external_userid"], ended["follow"]["userid"], ended["follow"]["createtime"])
    assert original in before and original not in after
    # the resigned member is listed (get_follow_user_list) while still employed
    assert ended["follow"]["userid"] in state_at(world.wecom_state, left - 1)["follow_user_list"]
    assert ended["follow"]["userid"] not in world.wecom_state["follow_user_list"]


def test_the_server_serves_the_corp_as_of_a_moment(world):
    moment = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    server, _ = serve(world.wecom_state, as_of=moment)
    try:
        base = f"http://127.0.0.1:{server.server_port}/cgi-bin"
        token = httpx.get(
            f"{base}/gettoken", params={"corpid": DEMO_CORPID, "corpsecret": DEMO_SECRET}
        ).json()
        staff = httpx.get(
            f"{base}/externalcontact/get_follow_user_list", params={"access_token": token["access_token"]}
        ).json()["follow_user"]
        served = httpx.post(
            f"{base}/externalcontact/batch/get_by_user",
            params={"access_token": token["access_token"]},
            json={"userid_list": staff[:100], "limit": 100},
        ).json()["external_contact_list"]
    finally:
        server.shutdown()
        server.server_close()
    assert served and all(c["follow_info"]["createtime"] <= moment.timestamp() for c in served)


def test_app_db_rows_stand_as_they_were(world):
    moment = dt.datetime.combine(END - dt.timedelta(days=5), dt.time())
    rows = appdb_rows_at(world.appdb_rows, moment)
    assert all(u["created_at"] < moment and u["updated_at"] < moment for u in rows["mp_users"])
    later_phone = [u for u in world.appdb_rows["mp_users"] if u["created_at"] < moment <= u["updated_at"]]
    assert later_phone, "some users authorise their phone days after they arrive"
    then = {u["openid"]: u for u in rows["mp_users"]}
    assert all(then[u["openid"]]["phone"] is None for u in later_phone)
    assert all(o["updated_at"] < moment for o in rows["orders"])
    orders_then = {o["order_id"]: o for o in rows["orders"]}
    paid_later = [
        o["order_id"]
        for o in world.appdb_rows["orders"]
        if o["created_at"] < moment and o["paid_at"] and o["paid_at"] >= moment
    ]
    assert all(
        orders_then[o]["status"] == "created" and orders_then[o]["paid_at"] is None for o in paid_later
    )


def test_groups_members_and_behaviour_appear_when_they_happen(world):
    moment = dt.datetime(2026, 6, 10, tzinfo=dt.UTC)
    at = int(moment.timestamp())
    then = state_at(world.wecom_state, moment)
    final = world.wecom_state["group_chats"]
    assert all(c["create_time"] <= at for c in then["group_chats"])
    assert len(then["group_chats"]) < len(final), "a third of the groups open during the window"
    members = [m for c in then["group_chats"] for m in c["member_list"]]
    assert members and all(m["join_time"] <= at for m in members)
    assert len(members) < sum(len(c["member_list"]) for c in final)
    rows = [r for rs in then["behavior"].values() for r in rs]
    assert rows and all(r["stat_time"] + 86400 <= at for r in rows)
    later = [r for rs in world.wecom_state["behavior"].values() for r in rs if r["stat_time"] + 86400 > at]
    assert later


def _api(server, path: str, body: dict | None = None) -> dict:
    base = f"http://127.0.0.1:{server.server_port}/cgi-bin"
    token = httpx.get(f"{base}/gettoken", params={"corpid": DEMO_CORPID, "corpsecret": DEMO_SECRET}).json()
    params = {"access_token": token["access_token"]}
    if body is None:
        return httpx.get(f"{base}/{path}", params=params).json()
    return httpx.post(f"{base}/{path}", params=params, json=body).json()


def test_the_server_hides_deleted_contacts_later_groups_and_behaviour(world):
    """Through the real server: a contact deleted by every staff member is served before its deletion
    and not after; group chats and behaviour days after the moment are not served."""
    record = world.wecom_state["history"]["deleted_contacts"][0]
    euid = record["contact"]["external_contact"]["external_userid"]
    staff = [f["userid"] for f in record["contact"]["follow_user"]]

    def served(as_of: dt.datetime | None) -> tuple[set[str], int, list[int]]:
        server, _ = serve(world.wecom_state, as_of=as_of)
        try:
            contacts = _api(server, "externalcontact/batch/get_by_user", {"userid_list": staff, "limit": 100})
            # the API pages: walk every page
            seen = {c["external_contact"]["external_userid"] for c in contacts["external_contact_list"]}
            cursor = contacts["next_cursor"]
            while cursor:
                page = _api(
                    server,
                    "externalcontact/batch/get_by_user",
                    {"userid_list": staff, "limit": 100, "cursor": cursor},
                )
                seen |= {c["external_contact"]["external_userid"] for c in page["external_contact_list"]}
                cursor = page["next_cursor"]
            chats = _api(server, "externalcontact/groupchat/list", {"limit": 1000})["group_chat_list"]
            last = int(dt.datetime.combine(END, dt.time(), dt.UTC).timestamp())
            days = _api(
                server,
                "externalcontact/get_user_behavior_data",
                {"userid": staff, "start_time": last - 29 * 86400, "end_time": last},
            )["behavior_data"]
        finally:
            server.shutdown()
            server.server_close()
        return seen, len(chats), [d["stat_time"] for d in days]

    before = dt.datetime.fromtimestamp(record["deleted_at"] - 1, dt.UTC)
    after = dt.datetime.fromtimestamp(record["deleted_at"], dt.UTC)
    seen_before, chats_before, days_before = served(before)
    seen_after, chats_after, days_after = served(after)
    seen_final, chats_final, days_final = served(None)
    assert euid in seen_before and euid not in seen_after and euid not in seen_final
    assert chats_before <= chats_after <= chats_final
    assert all(t + 86400 <= record["deleted_at"] - 1 for t in days_before)
    assert len(days_before) <= len(days_after) <= len(days_final)


def test_phone_authorisations_do_not_pile_up_on_the_last_day(world):
    """A user who would authorise their phone after the window's end has not yet: their rows are not
    squeezed into its last second, which would fake a burst of merges on the last day."""
    days = Counter(
        u["updated_at"].date() for u in world.appdb_rows["mp_users"] if u["updated_at"] != u["created_at"]
    )
    last = END
    earlier = [days[last - dt.timedelta(days=n)] for n in range(1, 15)]
    assert days[last] <= max(earlier), (days[last], earlier)
    stop = dt.datetime.combine(END + dt.timedelta(days=1), dt.time())
    assert not any(u["updated_at"] == stop - dt.timedelta(seconds=1) for u in world.appdb_rows["mp_users"])
