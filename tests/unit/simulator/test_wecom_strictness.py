"""The WeCom simulator is as strict as WeCom's documentation: each rule here is one a lenient client
(or a lenient simulator) gets wrong. Requests go over real HTTP to the server on a free port."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from siyu_dev.simulator.wecom_server import DEMO_CORPID, DEMO_IDCONVERT_SECRET, DEMO_SECRET, serve

DAY = 86400


@pytest.fixture
def corp(small_world):
    return json.loads(small_world.wecom_state.read_text())


@pytest.fixture
def server(corp):
    server, _ = serve(corp, port=0)
    yield server
    server.shutdown()
    server.server_close()


class Api:
    def __init__(self, server, secret: str = DEMO_SECRET):
        self.base = f"http://127.0.0.1:{server.server_port}/cgi-bin"
        self.token = self.gettoken(secret)["access_token"]

    def gettoken(self, secret: str, corpid: str = DEMO_CORPID) -> dict:
        return httpx.get(f"{self.base}/gettoken", params={"corpid": corpid, "corpsecret": secret}).json()

    def post(self, path: str, body: dict) -> dict:
        return httpx.post(f"{self.base}/{path}", params={"access_token": self.token}, json=body).json()

    def get(self, path: str) -> dict:
        return httpx.get(f"{self.base}/{path}", params={"access_token": self.token}).json()


def test_the_same_token_is_returned_while_it_is_valid(server):
    """document/path/91039: a client that fetches a token per call still gets one token."""
    api = Api(server)
    again = api.gettoken(DEMO_SECRET)
    assert again["access_token"] == api.token and 0 < again["expires_in"] <= 7200
    assert api.gettoken(DEMO_IDCONVERT_SECRET)["access_token"] != api.token  # another app, another token


def test_a_wrong_corpid_or_secret_is_named(server):
    api = Api(server)
    assert api.gettoken(DEMO_SECRET, corpid="wwnotthecorp")["errcode"] == 40013
    assert api.gettoken("not-the-secret")["errcode"] == 40001


def test_each_api_takes_its_documented_http_method(server):
    api = Api(server)
    as_get = httpx.get(f"{api.base}/externalcontact/groupchat/list", params={"access_token": api.token})
    assert as_get.json()["errcode"] == 43002
    assert api.post("externalcontact/get_follow_user_list", {})["errcode"] == 43001
    assert api.get("externalcontact/get_follow_user_list")["errcode"] == 0


def test_page_sizes_clamp_where_the_docs_clamp_and_err_where_they_err(server, corp):
    api = Api(server)
    staff = corp["follow_user_list"]
    page = api.post("externalcontact/batch/get_by_user", {"userid_list": staff, "limit": 500})
    assert page["errcode"] == 0 and len(page["external_contact_list"]) == 100  # cut to 100 (93010)
    default = api.post("externalcontact/batch/get_by_user", {"userid_list": staff})
    assert len(default["external_contact_list"]) == 50
    assert api.post("externalcontact/groupchat/list", {"limit": 2000})["errcode"] == 40058  # 1-1000 (92120)
    too_many = {"owner_filter": {"userid_list": [f"u{i}" for i in range(101)]}, "limit": 100}
    assert api.post("externalcontact/groupchat/list", too_many)["errcode"] == 40058


def test_group_chats_list_every_status_and_hide_resigned_owners_without_a_filter(server, corp):
    """status_filter 0 is every status (not 'normal only'); without owner_filter only visible staff's
    chats are listed, so a chat whose owner resigned needs the filter; groupchat/get has no status."""
    api = Api(server)
    resigned = {c["owner"] for c in corp["group_chats"] if c["owner"] not in corp["follow_user_list"]}
    assert resigned, "the world has chats whose owner resigned"
    plain = api.post("externalcontact/groupchat/list", {"status_filter": 0, "limit": 1000})["group_chat_list"]
    filtered = api.post(
        "externalcontact/groupchat/list",
        {"owner_filter": {"userid_list": sorted(resigned)}, "limit": 1000},
    )["group_chat_list"]
    assert filtered and {c["status"] for c in filtered} <= {1, 2}
    assert not {c["chat_id"] for c in filtered} & {c["chat_id"] for c in plain}
    detail = api.post("externalcontact/groupchat/get", {"chat_id": filtered[0]["chat_id"]})["group_chat"]
    assert "status" not in detail and detail["member_version"]


def test_too_many_visible_staff_without_owner_filter_is_81017(corp):
    server, _ = serve(corp, port=0, visible_staff_limit=1)
    try:
        api = Api(server)
        assert api.post("externalcontact/groupchat/list", {"limit": 10})["errcode"] == 81017
        owners = {"owner_filter": {"userid_list": corp["follow_user_list"][:1]}, "limit": 10}
        assert api.post("externalcontact/groupchat/list", owners)["errcode"] == 0
    finally:
        server.shutdown()
        server.server_close()


def test_deleted_tags_are_answered_only_when_asked_by_id(server, corp):
    api = Api(server)
    library = api.post("externalcontact/get_corp_tag_list", {})["tag_group"]
    ids = {t["id"] for g in library for t in g["tag"]}
    assert "etdeletedtag0001" not in ids and all("deleted" not in t for g in library for t in g["tag"])
    asked = api.post("externalcontact/get_corp_tag_list", {"tag_id": ["etdeletedtag0001"]})["tag_group"]
    assert [(t["id"], t["deleted"]) for g in asked for t in g["tag"]] == [("etdeletedtag0001", True)]
    strategy = api.post("externalcontact/get_strategy_tag_list", {})["tag_group"]
    assert strategy and all(g["strategy_id"] for g in strategy)


def test_contact_ways_answer_90_days_unless_a_window_is_given(server, corp):
    api = Api(server)
    default = api.post("externalcontact/list_contact_way", {})["contact_way"]
    now = int(time.time())
    assert len(default) < len(corp["contact_ways"])  # most codes are older than 90 days
    assert (
        api.post("externalcontact/list_contact_way", {"start_time": now - 91 * DAY, "end_time": now})[
            "errcode"
        ]
        == 40058
    )


def test_the_id_conversion_takes_only_a_customized_apps_token(server):
    body = {"unionid": "u", "openid": "o", "subject_type": 0}
    assert Api(server).post("idconvert/unionid_to_external_userid", body)["errcode"] == 48002
    customized = Api(server, DEMO_IDCONVERT_SECRET)
    assert customized.post("idconvert/unionid_to_external_userid", body)["errcode"] == 40003


def test_the_id_conversion_answers_the_documented_shape_and_pending_ids_expire(corp):
    """document/path/97108: plain external_userid or pending_id; a pending_id lives 90 days, after
    which external_userid_to_pending_id no longer answers for it."""
    server, _ = serve(corp, port=0, now=float(int(time.time())))
    try:
        api = Api(server, DEMO_IDCONVERT_SECRET)
        index = corp["unionid_index"]
        contacts = {
            c["external_contact"]["external_userid"]
            for c in corp["contacts"]
            if c["external_contact"]["type"] == 1
        }
        linked = next(u for u, v in index.items() if v["external_userid"] in contacts)
        answer = api.post(
            "idconvert/unionid_to_external_userid",
            {"unionid": linked, "openid": index[linked]["openid"], "subject_type": 0},
        )
        assert answer["external_userid"] == index[linked]["external_userid"]
        assert "external_userid_info" not in answer  # that is another API's (corpgroup) shape
        # a user converted while not yet a customer, who becomes one later
        state = server.state
        state.wechat_contacts.discard(index[linked]["external_userid"])
        pending = api.post(
            "idconvert/unionid_to_external_userid",
            {"unionid": linked, "openid": index[linked]["openid"], "subject_type": 0},
        )
        assert pending["pending_id"] and "external_userid" not in pending
        state.wechat_contacts.add(index[linked]["external_userid"])
        ask = {"external_userid": [index[linked]["external_userid"]]}
        assert api.post("idconvert/batch/external_userid_to_pending_id", ask)["result"] == [
            {"external_userid": index[linked]["external_userid"], "pending_id": pending["pending_id"]}
        ]
        state.now += 91 * DAY
        assert api.post("idconvert/batch/external_userid_to_pending_id", ask)["result"] == []
    finally:
        server.shutdown()
        server.server_close()


def test_an_api_over_its_per_minute_limit_is_blocked(corp):
    """document/path/96212: past the limit the API answers 45009, and stays blocked (other APIs not)."""
    server, _ = serve(corp, port=0, limits={"externalcontact/get_follow_user_list": (3, 100)})
    try:
        api = Api(server)
        codes = [api.get("externalcontact/get_follow_user_list")["errcode"] for _ in range(5)]
        assert codes == [0, 0, 0, 45009, 45009]
        assert api.post("externalcontact/get_corp_tag_list", {})["errcode"] == 0
    finally:
        server.shutdown()
        server.server_close()
