"""WeCom ID conversion (unionid → external_userid, pending_id) from the real simulator server."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from siyu.contracts import raw_schema
from siyu.lake import Lake, Partition
from siyu.simulator.wecom_server import serve
from siyu.sources.wecom.idconvert import land_unionid_links

from .conftest import make_client, make_idconvert_client

DAY1, DAY2 = "2026-11-23", "2026-11-24"


def contact(external_userid: str, unionid: str | None = None, type_: int = 1) -> dict:
    ext = {"external_userid": external_userid, "name": "x", "type": type_, "gender": 0}
    if unionid:
        ext["unionid"] = unionid
    return {"external_contact": ext, "follow_user": []}


def state(contacts: list[dict]) -> dict:
    return {
        "follow_user_list": [], "contacts": contacts, "group_chats": [], "tag_groups": [],
        "contact_ways": [], "behavior": {}, "history": {},
        "unionid_index": {
            "uA": {"openid": "oA", "external_userid": "wmA"},  # a contact whose detail hides the unionid
            "uB": {"openid": "oB", "external_userid": "wmB"},  # becomes a contact on day 2
            "uC": {"openid": "oC", "external_userid": None},  # never on WeCom
            "uE": {"openid": "oE", "external_userid": "wmE"},  # a contact that shows its unionid
        },
    }


def land_rows(lake: Lake, source: str, entity: str, day: str, rows: list[dict]) -> None:
    schema = raw_schema(source, entity)
    lake.write(Partition(source, entity, day),
               pa.Table.from_pylist([{f.name: r.get(f.name) for f in schema} for r in rows], schema=schema))


def run(contacts: list[dict], lake: Lake, day: str, budget: int = 100) -> list[dict]:
    server, _ = serve(state(contacts), port=0)
    try:
        ext = [c["external_contact"] for c in contacts]
        rows = [{"external_userid": e["external_userid"], "type": e["type"], "unionid": e.get("unionid")}
                for e in ext]
        land_rows(lake, "wecom", "external_contacts", day, rows)
        with make_idconvert_client(server) as client:
            land_unionid_links(client, lake, day, budget=budget)
    finally:
        server.shutdown()
        server.server_close()
    return lake.read(Partition("wecom", "unionid_links", day)).to_pylist()


def test_users_are_linked_now_or_when_they_become_contacts(tmp_path):
    lake = Lake(str(tmp_path / "lake"))
    land_rows(lake, "appdb", "mp_users", DAY1, [
        {"openid": "oA", "unionid": "uA"},
        {"openid": "oB", "unionid": "uB"},
        {"openid": "oC", "unionid": "uC"},
        {"openid": "oD", "unionid": None},  # no unionid: nothing to ask
        {"openid": "oX", "unionid": "uX"},  # a pair WeCom does not know: rejected, the rest goes on
    ])
    day1 = run([contact("wmA"), contact("wmE", "uE")], lake, DAY1)
    by_openid = {r["openid"]: r for r in day1}
    assert set(by_openid) == {"oA", "oB", "oC", "oX"}
    assert by_openid["oX"]["rejected_reason"] == "WeCom errcode 40003"
    assert by_openid["oX"]["external_userid"] is None
    assert by_openid["oA"]["rejected_reason"] is None
    assert by_openid["oA"]["external_userid"] == "wmA"
    assert by_openid["oA"]["linked_on"] == dt.date(2026, 11, 23)
    assert by_openid["oB"]["external_userid"] is None and by_openid["oB"]["pending_id"]
    assert by_openid["oC"]["external_userid"] is None and by_openid["oC"]["pending_id"]

    # Day 2: B has become a contact (without a visible unionid) and E, already joined by its own
    # unionid, starts using the mini-program.
    land_rows(lake, "appdb", "mp_users", DAY2, [{"openid": "oE", "unionid": "uE"}])
    day2 = {r["openid"]: r for r in run([contact("wmA"), contact("wmB"), contact("wmE", "uE")], lake, DAY2)}
    assert day2["oB"]["external_userid"] == "wmB"  # matched through its pending_id
    assert day2["oB"]["linked_on"] == dt.date(2026, 11, 24)
    assert day2["oB"]["first_checked_on"] == dt.date(2026, 11, 23)
    assert day2["oA"] == by_openid["oA"]  # resolved pairs are carried, not asked again
    assert day2["oE"]["external_userid"] == "wmE"
    assert day2["oC"]["external_userid"] is None
    assert day2["oX"] == by_openid["oX"]  # a refused pair is not asked again the next day...
    later = "2026-11-30"  # ...but a week later, and WeCom still refuses it
    again = {r["openid"]: r for r in run([contact("wmA")], lake, later)}
    assert again["oX"]["checked_on"] == dt.date(2026, 11, 30)
    assert again["oX"]["first_checked_on"] == dt.date(2026, 11, 23)
    assert again["oX"]["rejected_reason"] == "WeCom errcode 40003"
    manifest = lake.manifest(Partition("wecom", "unionid_links", later))
    assert manifest.window["asked"] == 1 and manifest.window["rejected"] == 1


def test_the_daily_budget_leaves_the_rest_for_later(tmp_path):
    lake = Lake(str(tmp_path / "lake"))
    users = [{"openid": "oA", "unionid": "uA"}, {"openid": "oB", "unionid": "uB"}]
    land_rows(lake, "appdb", "mp_users", DAY1, users)
    assert [r["openid"] for r in run([contact("wmA")], lake, DAY1, budget=1)] == ["oA"]
    manifest = lake.manifest(Partition("wecom", "unionid_links", DAY1))
    assert manifest.window["left_for_later"] == 1
    assert {r["openid"] for r in run([contact("wmA")], lake, DAY2, budget=1)} == {"oA", "oB"}



def test_the_connection_sets_the_pace_of_the_conversion(monkeypatch):
    """A corp with its own quota sets it in the connection's extra; the client paces those calls."""
    import json
    import time

    from siyu.simulator.wecom_server import DEMO_CORPID, DEMO_IDCONVERT_SECRET
    from siyu.tasks import wecom_endpoint

    server, _ = serve(state([contact("wmA")]), port=0)
    try:
        monkeypatch.setenv("AIRFLOW_CONN_SIYU_WECOM", json.dumps({
            "conn_type": "http", "host": "127.0.0.1", "port": server.server_port,
            "login": DEMO_CORPID, "password": DEMO_IDCONVERT_SECRET,
            "extra": {"rates": {"idconvert/unionid_to_external_userid": 10}},
        }))
        endpoint = wecom_endpoint()
        assert endpoint.base_url == f"http://127.0.0.1:{server.server_port}"
        assert endpoint.rates == {"idconvert/unionid_to_external_userid": 10.0}
        with endpoint.client() as client:
            started = time.monotonic()
            for _ in range(6):
                assert client.unionid_to_external_userid("uA", "oA")["external_userid"] == "wmA"
            assert time.monotonic() - started >= 0.5  # 6 calls at 10/s: 5 gaps of 0.1 s
    finally:
        server.shutdown()
        server.server_close()
