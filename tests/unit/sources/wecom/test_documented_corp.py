"""The snapshot against a corp that answers as WeCom documents it, races and odd rows included.

Each test names what a lenient client (the one before issue 13) got wrong against the strict
simulator, over real HTTP."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest

from siyu.lake import Lake, Partition
from siyu.sources.wecom.client import WeComError
from siyu.sources.wecom.extract import PastSnapshotRefused, land_wecom, refuse_past_date
from siyu_dev.simulator.wecom_server import DEMO_SECRET, serve

from .conftest import make_client

DT = "2026-11-24"
KEY = b"test-key"


@pytest.fixture
def corp(small_world):
    return json.loads(small_world.wecom_state.read_text())


def land_corp(corp: dict, root, **options) -> tuple[Lake, dict]:
    server, _ = serve(corp, port=0, **options.pop("server", {}))
    try:
        with make_client(server) as client:
            lake = Lake(str(root))
            land_wecom(client, lake, DT, KEY, **options)
    finally:
        server.shutdown()
        server.server_close()
    return lake, server


def rows(lake: Lake, entity: str) -> list[dict]:
    return lake.read(Partition("wecom", entity, DT)).to_pylist()


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_no_secret_or_token_reaches_any_log_even_at_debug(corp):
    """httpx logs each request URL at INFO: gettoken's corpsecret, every call's access_token. A handler
    on each of httpx's loggers at DEBUG (whatever Airflow's logging config did to their propagation)."""
    from siyu.sources.wecom.client import HTTP_LOGGERS, WeComClient

    collect = Collect()
    loggers = [logging.getLogger(n) for n in (*HTTP_LOGGERS, WeComClient.__module__, "tenacity")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(collect)
        lg.setLevel(logging.DEBUG)
    server, _ = serve(corp, port=0)
    try:
        with make_client(server) as client:
            client.follow_users()
            server.state.expire_tokens()  # a refresh logs too
            client.follow_users()
            token = client._token
    finally:
        server.shutdown()
        server.server_close()
        for lg, level in zip(loggers, levels, strict=True):
            lg.removeHandler(collect)
            lg.setLevel(level)
    text = "\n".join(collect.lines)
    assert "HTTP Request" in text and "send_request_headers" in text  # httpx and httpcore did log...
    assert DEMO_SECRET not in text and token not in text  # ...without the secrets
    assert "corpsecret=***" in text and "access_token=***" in text


def test_errors_name_the_errcode_and_its_documented_meaning(corp):
    server, _ = serve(corp, port=0)
    try:
        with make_client(server) as client, pytest.raises(WeComError) as error:
            client.unionid_to_external_userid("u", "o")  # the self-built app's token
    finally:
        server.shutdown()
        server.server_close()
    assert "48002" in str(error.value) and "API forbidden" in str(error.value)


def test_group_chats_of_resigned_owners_land_with_their_status(corp, tmp_path):
    """A lenient client listed without owner_filter (resigned owners' chats missing) and took status
    from groupchat/get (which has none: every chat status 0)."""
    lake, _ = land_corp(corp, tmp_path)
    chats = {r["chat_id"]: r for r in rows(lake, "group_chats")}
    assert set(chats) == {c["chat_id"] for c in corp["group_chats"]}
    served = {c["chat_id"]: c["status"] for c in corp["group_chats"]}
    assert {k: r["status"] for k, r in chats.items()} == served and set(served.values()) > {0}
    assert all(r["member_version"] for r in chats.values())
    states = [m["state"] for m in rows(lake, "group_members") if m["state"]]
    assert states and set(states) <= {w["state"] for w in corp["contact_ways"]}


def test_owner_filter_batches_stay_within_100_staff(corp, tmp_path):
    """Over 100 staff: owner_filter holds at most 100 userids a request, and the list without it errs."""
    corp["follow_user_list"] = corp["follow_user_list"] + [f"extra_{i:03}" for i in range(150)]
    lake, server = land_corp(corp, tmp_path, server={"visible_staff_limit": 100})
    assert server.calls["externalcontact/groupchat/list"] >= 2
    assert len(rows(lake, "group_chats")) == len(corp["group_chats"])


def test_contact_ways_older_than_90_days_are_walked_back_to(corp, tmp_path):
    lake, _ = land_corp(corp, tmp_path, keep_qr_code=True)
    ways = rows(lake, "contact_ways")
    assert {w["config_id"] for w in ways} == {w["config_id"] for w in corp["contact_ways"]}
    assert all(w["qr_code"] and w["style"] == 1 and w["is_temp"] is False for w in ways)
    lake2, _ = land_corp(corp, tmp_path / "no_qr")
    assert not any(w["qr_code"] for w in rows(lake2, "contact_ways"))  # only when configured


def test_races_between_list_and_get_are_recorded_and_the_snapshot_lands(corp, tmp_path):
    chat, way = corp["group_chats"][0]["chat_id"], corp["contact_ways"][0]["config_id"]
    server, _ = serve(corp, port=0)
    server.state.dismiss_on_list.add(chat)
    server.state.delete_on_list.add(way)
    try:
        with make_client(server) as client:
            manifests = land_wecom(client, Lake(str(tmp_path)), DT, KEY)
    finally:
        server.shutdown()
        server.server_close()
    lake = Lake(str(tmp_path))
    issues = {(r["entity"], r["id"]): r["errcode"] for r in rows(lake, "landing_issues")}
    assert issues == {("group_chat", chat): 40050, ("contact_way", way): 41044}
    assert manifests["group_chats"].row_count == len(corp["group_chats"]) - 1
    assert manifests["contact_ways"].row_count == len(corp["contact_ways"]) - 1


def test_odd_rows_are_recorded_with_a_reason_and_the_rest_lands(corp, tmp_path):
    """A contact without external_userid (a bare KeyError before), two different people under one
    external_userid on two staff members' pages, an undocumented add_way, a tag id in no library."""
    contacts = corp["contacts"]
    first, second = contacts[0], contacts[1]
    del second["external_contact"]["external_userid"]
    twin = json.loads(json.dumps(contacts[2]))
    other_staff = next(u for u in corp["follow_user_list"] if u != twin["follow_user"][0]["userid"])
    twin["external_contact"] = {
        **contacts[3]["external_contact"],
        "external_userid": contacts[2]["external_contact"]["external_userid"],
    }
    twin["external_contact"]["type"] = 3 - contacts[2]["external_contact"]["type"]
    twin["follow_user"] = [{**twin["follow_user"][0], "userid": other_staff}]
    contacts.append(twin)
    first["follow_user"][0]["add_way"] = 999
    first["follow_user"][0]["tag_id"] = ["etnosuchtag00001"]
    lake, _ = land_corp(corp, tmp_path)
    issues = {(r["entity"], r["reason"].split(":")[0]) for r in rows(lake, "landing_issues")}
    assert issues == {
        ("external_contact", "no external_userid in the contact"),
        ("external_contact", "two different contacts under one external_userid"),
        ("follow_user", "undocumented add_way 999"),
        ("tag", "tag id in neither the corp nor the strategy tag library"),
    }
    landed = {r["external_userid"] for r in rows(lake, "external_contacts")}
    assert len(landed) == len(contacts) - 2  # the id-less one and the twin's second appearance
    follows = {(r["external_userid"], r["userid"]): r for r in rows(lake, "follow_users")}
    euid = first["external_contact"]["external_userid"]
    mine = follows[euid, first["follow_user"][0]["userid"]]
    assert mine["add_way"] is None  # not 999 in the marts
    assert mine["tags"] == [{"group_name": None, "tag_name": None, "type": 0, "tag_id": "etnosuchtag00001"}]
    assert (twin["external_contact"]["external_userid"], other_staff) in follows  # the twin's follow kept
    detail = next(r["detail"] for r in rows(lake, "landing_issues") if r["reason"].startswith("two"))
    assert json.loads(detail)["type"] == twin["external_contact"]["type"]  # what lost out is kept


def test_tags_deleted_strategy_and_documented_contact_fields_land(corp, tmp_path):
    """deleted is answered only for tags asked by id; strategy tags come from their own API."""
    follow = corp["contacts"][0]["follow_user"][0]
    follow["tag_id"] = ["etdeletedtag0001", "etstrategytag000"]
    follow["remark_corp_name"] = "某某门店"
    follow["add_way"], follow["wechat_channels"] = 10, {"nickname": "视频号A", "source": 1}
    lake, _ = land_corp(corp, tmp_path)
    tags = {r["tag_id"]: r for r in rows(lake, "corp_tags")}
    assert tags["etdeletedtag0001"]["deleted"] is True and tags["etdeletedtag0001"]["tag_type"] == 1
    assert tags["etstrategytag000"]["tag_type"] == 3 and tags["etstrategytag000"]["strategy_id"] == 1
    euid = corp["contacts"][0]["external_contact"]["external_userid"]
    landed = next(r for r in rows(lake, "follow_users") if r["external_userid"] == euid)
    assert [t["type"] for t in landed["tags"]] == [1, 3] and landed["tags"][1]["tag_name"] == "门店A常客"
    assert (landed["remark_corp_name"], landed["wechat_channels_nickname"], landed["add_way"]) == (
        "某某门店",
        "视频号A",
        10,
    )
    companies = [r for r in rows(lake, "external_contacts") if r["type"] == 2]
    assert companies and all(r["position"] and r["corp_full_name"] for r in companies)
    assert json.loads(companies[0]["external_profile"])["external_attr"]


def test_unassigned_customers_of_resigned_staff_land_as_awaiting_transfer(corp, tmp_path):
    lake, _ = land_corp(corp, tmp_path)
    landed = rows(lake, "unassigned_contacts")
    assert (
        {(r["handover_userid"], r["external_userid"]) for r in landed}
        == {(u["handover_userid"], u["external_userid"]) for u in corp["unassigned"]}
        != set()
    )


def test_a_past_date_is_refused_against_a_live_corp(corp, tmp_path):
    today = dt.date(2026, 12, 1)
    refuse_past_date("2026-11-30", today)  # yesterday's run, still running today: fine
    with pytest.raises(PastSnapshotRefused, match="lake's partitions"):
        refuse_past_date("2026-11-20", today)
    server, _ = serve(corp, port=0)
    try:
        with make_client(server) as client, pytest.raises(PastSnapshotRefused):
            land_wecom(client, Lake(str(tmp_path)), "2025-01-01", KEY, live=True)
        assert not server.calls  # refused before asking WeCom anything
    finally:
        server.shutdown()
        server.server_close()
    assert not Lake(str(tmp_path)).partitions("wecom", "external_contacts")


def test_the_endpoint_knows_the_simulator_from_a_live_corp():
    from siyu.tasks import WeComEndpoint

    assert WeComEndpoint("https://qyapi.weixin.qq.com", "ww", "s").live
    assert not WeComEndpoint("http://127.0.0.1:8765", "ww", "s").live
