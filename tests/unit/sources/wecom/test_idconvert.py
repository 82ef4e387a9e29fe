"""WeCom ID conversion (unionid → external_userid, pending_id) from the real simulator server."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from siyu.contracts import raw_schema
from siyu.lake import Lake, Partition
from siyu.sources.wecom.idconvert import ConversionFailed, convert, land_unionid_links
from siyu_dev.simulator.wecom_server import serve

from .conftest import make_client, make_idconvert_client

DAY1, DAY2 = "2026-11-23", "2026-11-24"


def contact(external_userid: str, unionid: str | None = None, type_: int = 1) -> dict:
    ext = {"external_userid": external_userid, "name": "x", "type": type_, "gender": 0}
    if unionid:
        ext["unionid"] = unionid
    return {"external_contact": ext, "follow_user": []}


def state(contacts: list[dict]) -> dict:
    return {
        "follow_user_list": [],
        "contacts": contacts,
        "group_chats": [],
        "tag_groups": [],
        "contact_ways": [],
        "behavior": {},
        "history": {},
        "unionid_index": {
            "uA": {"openid": "oA", "external_userid": "wmA"},  # a contact whose detail hides the unionid
            "uB": {"openid": "oB", "external_userid": "wmB"},  # becomes a contact on day 2
            "uC": {"openid": "oC", "external_userid": None},  # never on WeCom
            "uE": {"openid": "oE", "external_userid": "wmE"},  # a contact that shows its unionid
        },
    }


def land_rows(lake: Lake, source: str, entity: str, day: str, rows: list[dict]) -> None:
    schema = raw_schema(source, entity)
    lake.write(
        Partition(source, entity, day),
        pa.Table.from_pylist([{f.name: r.get(f.name) for f in schema} for r in rows], schema=schema),
    )


def run(contacts: list[dict], lake: Lake, day: str, budget: int = 100) -> list[dict]:
    server, _ = serve(state(contacts), port=0)
    try:
        ext = [c["external_contact"] for c in contacts]
        rows = [
            {"external_userid": e["external_userid"], "type": e["type"], "unionid": e.get("unionid")}
            for e in ext
        ]
        land_rows(lake, "wecom", "external_contacts", day, rows)
        with make_idconvert_client(server) as client:  # a daily run, on its own day
            land_unionid_links(client, lake, day, budget=budget, today=dt.date.fromisoformat(day))
    finally:
        server.shutdown()
        server.server_close()
    return lake.read(Partition("wecom", "unionid_links", day)).to_pylist()


def test_users_are_linked_now_or_when_they_become_contacts(tmp_path):
    lake = Lake(str(tmp_path / "lake"))
    land_rows(
        lake,
        "appdb",
        "mp_users",
        DAY1,
        [
            {"openid": "oA", "unionid": "uA"},
            {"openid": "oB", "unionid": "uB"},
            {"openid": "oC", "unionid": "uC"},
            {"openid": "oD", "unionid": None},  # no unionid: nothing to ask
            {"openid": "oX", "unionid": "uX"},  # a pair WeCom does not know: rejected, the rest goes on
        ],
    )
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

    from siyu.tasks import wecom_endpoint
    from siyu_dev.simulator.wecom_server import DEMO_CORPID, DEMO_IDCONVERT_SECRET

    server, _ = serve(state([contact("wmA")]), port=0)
    try:
        monkeypatch.setenv(
            "AIRFLOW_CONN_SIYU_WECOM",
            json.dumps(
                {
                    "conn_type": "http",
                    "host": "127.0.0.1",
                    "port": server.server_port,
                    "login": DEMO_CORPID,
                    "password": DEMO_IDCONVERT_SECRET,
                    "extra": {"rates": {"idconvert/unionid_to_external_userid": 10}},
                }
            ),
        )
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


def serve_pairs(contacts: list[dict], **options):
    return serve(state(contacts), port=0, **options)


def users(lake: Lake, day: str, pairs: list[tuple[str, str]]) -> None:
    land_rows(lake, "appdb", "mp_users", day, [{"openid": o, "unionid": u} for u, o in pairs])
    land_rows(lake, "wecom", "external_contacts", day, [{"external_userid": "wmA", "type": 1}])


def test_a_self_built_apps_token_fails_the_task_naming_the_connection(tmp_path):
    """48002 concerns every pair: the task fails with the errcode, its meaning and what to set; no
    pair is filed as refused (the lenient client filed each as a per-pair rejection for a week)."""
    lake = Lake(str(tmp_path / "lake"))
    users(lake, DAY1, [("uA", "oA"), ("uB", "oB")])
    server, _ = serve_pairs([contact("wmA")])
    try:
        with make_client(server) as client, pytest.raises(ConversionFailed) as error:
            land_unionid_links(client, lake, DAY1)
    finally:
        server.shutdown()
        server.server_close()
    message = str(error.value)
    assert "48002" in message and "API forbidden" in message and "siyu_wecom_idconvert" in message
    landed = lake.read(Partition("wecom", "unionid_links", DAY1)).to_pylist()
    assert landed == []  # nothing was asked: nothing is refused
    assert lake.manifest(Partition("wecom", "unionid_links", DAY1)).window["left_for_later"] == 2


def test_a_transient_error_is_not_a_per_pair_refusal(tmp_path):
    lake = Lake(str(tmp_path / "lake"))
    users(lake, DAY1, [("uA", "oA")])
    server, _ = serve_pairs([contact("wmA")], faults=1.0)
    try:
        with make_idconvert_client(server, attempts=2) as client, pytest.raises(ConversionFailed) as error:
            land_unionid_links(client, lake, DAY1)
    finally:
        server.shutdown()
        server.server_close()
    assert error.value.errcode != 0
    landed = lake.read(Partition("wecom", "unionid_links", DAY1)).to_pylist()
    assert not any(r["rejected_reason"] for r in landed)


def test_a_spent_quota_stops_cleanly_and_the_next_run_continues(tmp_path):
    """45009 (the API blocked for the minute): what was converted lands, the rest waits, the task
    succeeds; the manifest says why it stopped."""
    lake = Lake(str(tmp_path / "lake"))
    pairs = [("uA", "oA"), ("uB", "oB"), ("uC", "oC")]
    users(lake, DAY1, pairs)
    limits = {"idconvert/unionid_to_external_userid": (2, 100)}
    server, _ = serve_pairs([contact("wmA")], limits=limits)
    try:
        with make_idconvert_client(server, attempts=2) as client:
            manifest = land_unionid_links(client, lake, DAY1)
    finally:
        server.shutdown()
        server.server_close()
    assert manifest.row_count == 2
    assert manifest.window["stopped"] == "quota (errcode 45009)" and manifest.window["left_for_later"] == 1
    assert {r["openid"] for r in run([contact("wmA")], lake, DAY2)} == {"oA", "oB", "oC"}


def test_a_failure_while_matching_pending_ids_still_lands_the_conversions(tmp_path):
    lake = Lake(str(tmp_path / "lake"))
    users(lake, DAY1, [("uA", "oA"), ("uB", "oB")])
    land_rows(lake, "wecom", "external_contacts", DAY1, [{"external_userid": "wmB", "type": 1}])
    limits = {"idconvert/batch/external_userid_to_pending_id": (0, 0)}  # blocked at once: 45009
    server, _ = serve_pairs([contact("wmA")], limits=limits)
    try:
        with make_idconvert_client(server, attempts=2) as client:
            manifest = land_unionid_links(client, lake, DAY1, today=dt.date(2026, 11, 23))
    finally:
        server.shutdown()
        server.server_close()
    assert manifest.row_count == 2 and manifest.window["asked"] == 2
    assert manifest.window["stopped"].startswith("quota (errcode 45009) while matching")


def test_the_quota_is_a_budget_of_real_days_and_months_across_runs(tmp_path):
    """Budgets count the real day and month the calls were made on: a backfill of two dates on one
    day shares that day's budget; a new month brings a new monthly one."""
    lake = Lake(str(tmp_path / "lake"))
    users(lake, DAY1, [("uA", "oA"), ("uB", "oB"), ("uC", "oC"), ("uE", "oE"), ("uX", "oX")])
    server, _ = serve_pairs([contact("wmA")])
    day, next_day, next_month = dt.date(2026, 11, 25), dt.date(2026, 11, 26), dt.date(2026, 12, 1)
    try:
        with make_idconvert_client(server) as client:

            def land(logical: str, today: dt.date):
                return land_unionid_links(client, lake, logical, budget=2, monthly=3, today=today).window

            first, backfill = land(DAY1, day), land(DAY2, day)  # two dates, one real day
            later = land("2026-11-27", next_day)  # the month's budget is spent: 3 asked
            fresh = land("2026-12-01", next_month)
    finally:
        server.shutdown()
        server.server_close()
    assert (first["asked"], backfill["asked"]) == (2, 0)
    assert backfill["stopped"] == "budget" and backfill["left_for_later"] == 3
    assert (later["asked"], later["left_for_later"]) == (1, 2)
    assert (fresh["asked"], fresh["asked_on"]) == (2, "2026-12-01")


def test_pending_pairs_are_asked_again_before_their_pending_id_expires(tmp_path):
    lake = Lake(str(tmp_path / "lake"))
    users(lake, DAY1, [("uC", "oC")])
    first = {r["openid"]: r for r in run([contact("wmA")], lake, DAY1)}
    assert first["oC"]["pending_id"] and first["oC"]["pending_on"] == dt.date(2026, 11, 23)
    assert run([contact("wmA")], lake, "2027-02-10")[0]["checked_on"] == dt.date(2026, 11, 23)  # day 79
    again = run([contact("wmA")], lake, "2027-02-11")[0]  # day 80: asked again, a fresh 90 days
    assert again["checked_on"] == again["pending_on"] == dt.date(2027, 2, 11)
    assert again["first_checked_on"] == dt.date(2026, 11, 23)


def test_expired_pending_ids_are_not_matched(tmp_path):
    """external_userid_to_pending_id answers for pending_ids of the last 90 days only: older ones are
    not asked about."""
    day = dt.date(2026, 11, 23)
    old = {
        "unionid": "uB",
        "openid": "oB",
        "external_userid": None,
        "pending_id": "pdold",
        "pending_on": day - dt.timedelta(days=95),
        "linked_on": None,
        "first_checked_on": day - dt.timedelta(days=95),
        "checked_on": day - dt.timedelta(days=95),
        "rejected_reason": None,
    }
    live = {**old, "unionid": "uC", "openid": "oC", "pending_id": "pdlive", "pending_on": day}
    server, _ = serve_pairs([contact("wmB")])
    try:
        with make_idconvert_client(server) as client:
            convert(client, [], ["wmB"], {("uB", "oB"): old}, DAY1, budget=0)
            assert server.calls["idconvert/batch/external_userid_to_pending_id"] == 0
            convert(client, [], ["wmB"], {("uC", "oC"): live}, DAY1, budget=0)
            assert server.calls["idconvert/batch/external_userid_to_pending_id"] == 1
    finally:
        server.shutdown()
        server.server_close()


def test_the_conversion_has_its_own_connection(monkeypatch):
    import json

    from siyu.tasks import wecom_idconvert_endpoint
    from siyu_dev.simulator.wecom_server import DEMO_CORPID, DEMO_IDCONVERT_SECRET, DEMO_SECRET

    def conn(secret: str) -> str:
        return json.dumps(
            {"conn_type": "http", "host": "127.0.0.1", "port": 1, "login": DEMO_CORPID, "password": secret}
        )

    monkeypatch.setenv("AIRFLOW_CONN_SIYU_WECOM", conn(DEMO_SECRET))
    assert wecom_idconvert_endpoint().secret == DEMO_SECRET  # none of its own: the corp's
    monkeypatch.setenv("AIRFLOW_CONN_SIYU_WECOM_IDCONVERT", conn(DEMO_IDCONVERT_SECRET))
    assert wecom_idconvert_endpoint().secret == DEMO_IDCONVERT_SECRET
