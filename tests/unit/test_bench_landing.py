"""`siyu bench landing`: the DAG's WeCom landing against a large simulated corp over real HTTP, and the
arithmetic of how long WeCom's quotas make a real corp's pulls."""

from __future__ import annotations

import json
import math

import httpx
import pytest
from typer.testing import CliRunner

from siyu.cli import app
from siyu.sources.wecom.client import WeComClient, WeComError
from siyu_dev.bench_landing import IDCONVERT, real_conversion, real_seconds
from siyu_dev.simulator.wecom_large import LargeCorp, serve_large
from siyu_dev.simulator.wecom_server import DEMO_CORPID, DEMO_IDCONVERT_SECRET, DEMO_SECRET

CONTACTS = 1500


def test_bench_landing_lands_what_the_corp_serves():
    result = CliRunner().invoke(app, ["bench", "landing", "--contacts", str(CONTACTS)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert report["contacts"] == CONTACTS
    served, landed = report["served"], report["landed"]
    # every contact, follow, chat and member served lands, on the first day and on the next one
    assert landed["first"] == served["first"] and landed["daily"] == served["daily"]
    assert served["first"]["external_contacts"] == CONTACTS
    # the day of change: 0.5 % new contacts, a few deleted
    new, gone = CONTACTS * 5 // 1000, CONTACTS + CONTACTS * 5 // 1000 - served["daily"]["external_contacts"]
    assert served["daily"]["external_contacts"] > CONTACTS and 0 < gone < new
    # one staff chunk: batch/get_by_user pages of 100 items; one groupchat/get a chat
    calls = report["calls_first"]
    assert calls["externalcontact/batch/get_by_user"] == math.ceil(served["first"]["follow_users"] / 100)
    assert calls["externalcontact/groupchat/get"] == served["first"]["group_chats"]
    # the ID conversion asks every mini-program user once; each answer lands
    idc = report["id_conversion"]
    assert report["mp_users"] == idc["pairs"] == idc["asked"] == landed["unionid_links"]
    assert report["calls_id_conversion"][IDCONVERT] == idc["asked"]
    assert idc["linked"] + idc["pending"] == idc["asked"] and idc["linked"] > 0 and idc["pending"] > 0
    assert report["peak_rss_mib"] > 0 and report["real_first_pull"]["apis_over_hour_budget"] == []


def test_real_pull_is_the_slower_of_the_clients_pace_and_the_minute_budget():
    # 9,000 calls: 180 s at the client's 50 a second; 60 s within 9,000 a minute (90 % of 10,000)
    real = real_seconds({"externalcontact/batch/get_by_user": 9000})
    assert real["seconds"] == 180.0 and real["quota_bound_seconds"] == 60.0
    # past 135,000 (90 % of 150,000 an hour) one API cannot finish in one run: a snapshot fails
    over = real_seconds({"externalcontact/groupchat/get": 200_000, "gettoken": 1})
    assert over["apis_over_hour_budget"] == ["externalcontact/groupchat/get"]


def test_real_conversion_stops_each_run_at_the_hour_budget():
    # 90,000 an hour (90 % of 100,000) at the client's 25 a second: an hour a run, a run a day
    real = real_conversion(1_000_000)
    assert real == {
        "asked_per_daily_run": 90_000,
        "run_hours": 1.0,
        "days_to_ask_all": 12,
        "days_to_ask_all_hourly_runs": 3,  # the day's budget, 400,000
    }
    assert real_conversion(1000)["days_to_ask_all"] == 1


@pytest.fixture
def large_corp():
    server, thread = serve_large(300, day=1, seed=3)
    yield LargeCorp(300, day=1, seed=3), f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_large_corp_answers_as_wecom_documents(large_corp):
    corp, url = large_corp
    with WeComClient(url, DEMO_CORPID, DEMO_SECRET) as client:
        items = list(client.iter_contacts())
        assert len(items) == corp.follow_total
        assert len({i["external_contact"]["external_userid"] for i in items}) == corp.contact_total
        with pytest.raises(WeComError) as error:  # an over-sized page that errs, not cut (92120)
            client.post("externalcontact/groupchat/list", {"limit": 1001})
        assert error.value.errcode == 40058
        with pytest.raises(WeComError) as error:  # only a 代开发 app's token converts (97108)
            client.unionid_to_external_userid(corp.unionid(0), corp.openid(0))
        assert error.value.errcode == 48002
    with WeComClient(url, DEMO_CORPID, DEMO_IDCONVERT_SECRET) as client:
        with pytest.raises(WeComError) as error:  # a forged id is not a customer's
            client.unionid_to_external_userid(corp.unionid(0)[:-1] + "x", corp.openid(0))
        assert error.value.errcode == 40003
    bad = httpx.post(f"{url}/cgi-bin/externalcontact/batch/get_by_user", json={}, timeout=5).json()
    assert bad["errcode"] == 41001  # no access_token
