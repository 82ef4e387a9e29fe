"""WeCom's per-API minute and hour limits kept as budgets across runs (the call ledger), against the
strict simulator over real HTTP. A lenient client (one that paces only inside its run) gets the corp's
API blocked by WeCom (45009 for the rest of the hour) on the second run of a backfill; with the
ledger the run stops before sending, lands what it got and says what is left."""

from __future__ import annotations

import datetime as dt
import json
import time

import pyarrow as pa
import pytest

from siyu.contracts import raw_schema
from siyu.lake import Lake, Partition
from siyu.sources.wecom.budget import BudgetSpent, CallLedger
from siyu.sources.wecom.client import WeComError
from siyu.sources.wecom.extract import GONE_CHAT, Issues, _gone, land_wecom
from siyu.sources.wecom.idconvert import land_unionid_links
from siyu_dev.simulator.wecom_server import serve

from .conftest import make_client, make_idconvert_client

CONVERT = "idconvert/unionid_to_external_userid"
PAIRS = 12
DAYS = ("2026-11-22", "2026-11-23", "2026-11-24")


def corp() -> dict:
    return {
        "follow_user_list": [],
        "contacts": [],
        "group_chats": [],
        "tag_groups": [],
        "contact_ways": [],
        "behavior": {},
        "history": {},
        "unionid_index": {f"u{i:02}": {"openid": f"o{i:02}", "external_userid": None} for i in range(PAIRS)},
    }


def land_users(lake: Lake) -> None:
    for source, entity, rows in (
        ("appdb", "mp_users", [{"openid": f"o{i:02}", "unionid": f"u{i:02}"} for i in range(PAIRS)]),
        ("wecom", "external_contacts", []),
    ):
        schema = raw_schema(source, entity)
        table = pa.Table.from_pylist([{f.name: r.get(f.name) for f in schema} for r in rows], schema=schema)
        lake.write(Partition(source, entity, DAYS[0]), table)


def backfill(lake: Lake, server, ledger_file, days, clock=time.time) -> list[dict]:
    """One run per date, as a backfill does, each its own client (and process, in Airflow)."""
    stats = []
    for day in days:
        ledger = (
            None
            if ledger_file is None
            else CallLedger(ledger_file, limits={CONVERT: (1000, 10)}, share=0.8, clock=clock)
        )
        with make_idconvert_client(server, ledger=ledger) as client:
            manifest = land_unionid_links(client, lake, day, today=dt.date.fromisoformat(DAYS[-1]))
        stats.append(manifest.window)
    return stats


def test_a_backfill_stops_at_the_hour_budget_and_the_next_hour_goes_on(tmp_path, monkeypatch, capsys):
    server, _ = serve(corp(), port=0, limits={CONVERT: (1000, 10)})
    ledger_file = tmp_path / "state" / "wecom" / "api_calls.json"
    try:
        lake = Lake(str(tmp_path / "lake"))
        land_users(lake)
        first, second = backfill(lake, server, ledger_file, DAYS[:2])
        # 8 of the hour's 10 (80 %): the first date asks 8 and stops cleanly; the second, in the same
        # hour, sends nothing; WeCom never had to block the API
        assert (first["asked"], first["left_for_later"]) == (8, 4)
        assert first["stopped"].startswith(f"budget (hour: 8 of 8 calls of {CONVERT}")
        assert (second["asked"], second["left_for_later"]) == (0, 4)
        assert second["stopped"].startswith("budget (hour")
        assert server.state.rate_limits.blocked_until == {}
        landed = lake.read(Partition("wecom", "unionid_links", DAYS[1])).to_pylist()
        assert len(landed) == 8 and all(r["pending_id"] for r in landed)  # what was got, kept
        stops = CallLedger(ledger_file).stops()
        assert stops[-1]["endpoint"] == CONVERT and stops[-1]["window"] == "hour"
        # the run's summary says so
        from siyu.report import print_stops

        monkeypatch.setenv("SIYU_HOME", str(tmp_path))
        monkeypatch.setenv("SIYU_LAKE", str(tmp_path / "lake"))
        print_stops(DAYS[1])
        out = capsys.readouterr().out
        assert "ID conversion stopped: budget (hour: 8 of 8 calls" in out
        assert "4 pairs left for the next run" in out
    finally:
        server.shutdown()
        server.server_close()
    # the next hour (a new WeCom window, and the ledger's): the rest is asked
    server, _ = serve(corp(), port=0, limits={CONVERT: (1000, 10)})
    try:
        (third,) = backfill(lake, server, ledger_file, DAYS[2:], clock=lambda: time.time() + 3600)
        assert (third["asked"], third["left_for_later"], third["stopped"]) == (4, 0, None)
        assert len(lake.read(Partition("wecom", "unionid_links", DAYS[2]))) == PAIRS
    finally:
        server.shutdown()
        server.server_close()


def test_a_lenient_client_gets_the_api_blocked(tmp_path):
    """The same backfill without the ledger: WeCom blocks the corp's API for the hour."""
    server, _ = serve(corp(), port=0, limits={CONVERT: (1000, 10)})
    try:
        lake = Lake(str(tmp_path / "lake"))
        land_users(lake)
        stats = backfill(lake, server, None, DAYS[:2])
        assert stats[1]["stopped"] == "quota (errcode 45009)"
        assert CONVERT in server.state.rate_limits.blocked_until
    finally:
        server.shutdown()
        server.server_close()


def test_a_snapshot_over_its_hour_budget_lands_nothing_and_says_what_is_left(small_world, tmp_path):
    state = json.loads(small_world.wecom_state.read_text())
    assert len(state["group_chats"]) > 3
    ledger_file = tmp_path / "ledger.json"
    server, _ = serve(state, port=0)
    try:
        lake = Lake(str(tmp_path / "lake"))
        ledger = CallLedger(ledger_file, limits={"externalcontact/groupchat/get": (1000, 3)}, share=1.0)
        with make_client(server, ledger=ledger) as client, pytest.raises(BudgetSpent) as failure:
            land_wecom(client, lake, "2026-11-24", b"k")
        assert "externalcontact/groupchat/get" in str(failure.value)
        assert "budget for this hour is spent (3 of 3 calls" in str(failure.value)
        assert "resets at" in str(failure.value)
        assert lake.partitions("wecom", "external_contacts") == []  # all or nothing: nothing
        assert CallLedger(ledger_file).stops()[-1]["endpoint"] == "externalcontact/groupchat/get"
        assert server.state.rate_limits.blocked_until == {}
    finally:
        server.shutdown()
        server.server_close()


class FakeClock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_spent_minute_waits_for_the_next_and_runs_share_the_ledger(tmp_path):
    clock = FakeClock(1_800_000_010.0)  # 10 s into a minute
    path = tmp_path / "ledger.json"
    one = CallLedger(path, limits={"x": (3, 100)}, share=1.0, flush_every=1, clock=clock, sleep=clock.sleep)
    for _ in range(2):
        one.take("x")
    one.flush()
    # another run (process) on the same corp sees those calls
    two = CallLedger(path, limits={"x": (3, 100)}, share=1.0, clock=clock, sleep=clock.sleep)
    assert two.used("x") == (2, 2)
    two.take("x")
    two.take("x")  # the minute is spent: waits for the next one
    assert clock.now >= 1_800_000_040.0
    assert two.used("x") == (1, 4)
    two.flush()
    impatient = CallLedger(
        path, limits={"x": (1, 100)}, share=1.0, max_wait=5, clock=clock, sleep=clock.sleep
    )
    with pytest.raises(BudgetSpent, match="minute"):
        impatient.take("x")


@pytest.mark.parametrize("errcode", sorted(GONE_CHAT))
def test_a_dismissed_chat_is_gone_under_either_documented_code(errcode):
    """90313 names 40050 and 86003 for a chatid that does not exist; no page says which a dismissed
    chat answers, so both are skipped and recorded, and anything else still fails."""

    def fetch(chat_id):
        if chat_id == "gone":
            raise WeComError("externalcontact/groupchat/get", errcode, "chatid not exist")
        return {"chat_id": chat_id}

    issues = Issues()
    kept = _gone(fetch, ["a", "gone", "b"], GONE_CHAT, "group_chat", issues)
    assert kept == [{"chat_id": "a"}, {"chat_id": "b"}]
    assert [(r["id"], r["errcode"]) for r in issues.rows] == [("gone", errcode)]
    with pytest.raises(WeComError):
        forbidden = WeComError("externalcontact/groupchat/get", 60011, "")
        _gone(lambda _: (_ for _ in ()).throw(forbidden), ["a"], GONE_CHAT, "group_chat", Issues())
