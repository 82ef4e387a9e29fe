"""The WeCom client against the real simulator server over HTTP."""

from __future__ import annotations

import json

import pytest

from siyu.sources.wecom.client import RateLimiter, WeComError
from siyu_dev.simulator.wecom_server import serve

from .conftest import make_client


def test_token_is_fetched_once_and_cursor_pages_are_followed(wecom_server, small_world):
    with make_client(wecom_server) as client:
        items = list(client.iter_contacts())
        client.corp_tags()
    expected = sum(len(c["follow_user"]) for c in small_world.world.wecom_state["contacts"])
    assert len(items) == expected > 100  # more than one page of 100
    assert wecom_server.calls["gettoken"] == 1
    assert wecom_server.calls["externalcontact/batch/get_by_user"] > 1


def test_an_expired_token_is_refreshed_once(wecom_server):
    with make_client(wecom_server) as client:
        client.follow_users()
        wecom_server.state.expire_tokens()
        assert client.follow_users()
    assert wecom_server.calls["gettoken"] == 2


def test_a_wrong_secret_fails_without_revealing_it(wecom_server):
    with make_client(wecom_server, secret="not-the-secret-xyz") as client, pytest.raises(WeComError) as error:
        client.follow_users()
    assert error.value.errcode == 40001 and error.value.endpoint == "gettoken"
    assert "not-the-secret-xyz" not in str(error.value)


def test_other_errcodes_fail_at_once_with_the_endpoint_and_errmsg(wecom_server, small_world):
    contact = small_world.world.wecom_state["contacts"][0]
    follow = contact["follow_user"][0]
    with (
        make_client(wecom_server) as client,
        pytest.raises(WeComError, match="mark_tag.*40068.*invalid tagid"),
    ):
        client.mark_tag(follow["userid"], contact["external_contact"]["external_userid"], add_tag=["nope"])
    assert wecom_server.calls["externalcontact/mark_tag"] == 1  # not retried


def test_transient_faults_are_retried_until_the_answer_is_complete(small_world):
    state = json.loads(small_world.wecom_state.read_text())
    clean, _ = serve(json.loads(small_world.wecom_state.read_text()))
    faulty, _ = serve(state, faults=0.3, seed=1)
    try:
        with make_client(clean) as a, make_client(faulty) as b:
            expected = sorted(json.dumps(i, sort_keys=True) for i in a.iter_contacts())
            got = sorted(json.dumps(i, sort_keys=True) for i in b.iter_contacts())
        assert got == expected
        assert sum(faulty.faults_injected.values()) > 0
        assert b.requests > a.requests
    finally:
        for server in (clean, faulty):
            server.shutdown()
            server.server_close()


def test_retries_give_up_with_a_clear_error(small_world):
    server, _ = serve(json.loads(small_world.wecom_state.read_text()), faults=1.0)
    try:
        with (
            make_client(server, attempts=3) as client,
            pytest.raises(WeComError, match="gave up after retries"),
        ):
            client.follow_users()
    finally:
        server.shutdown()
        server.server_close()


def test_mark_tag_changes_the_served_tags(wecom_server, small_world):
    contact = small_world.world.wecom_state["contacts"][0]
    euid = contact["external_contact"]["external_userid"]
    userid = contact["follow_user"][0]["userid"]
    with make_client(wecom_server) as client:
        tag = client.corp_tags()[-1]["tag"][0]["id"]
        client.mark_tag(userid, euid, add_tag=[tag])
        tags = {
            i["external_contact"]["external_userid"]: i["follow_info"]["tag_id"]
            for i in client.iter_contacts([userid])
        }
    assert tag in tags[euid]


def test_rate_limiter_spaces_calls():
    import time

    limiter = RateLimiter(rate=100)
    started = time.monotonic()
    for _ in range(21):
        limiter.wait()
    assert time.monotonic() - started >= 0.19
