"""`siyu bench landing --contacts N`: the WeCom extraction and the ID conversion at a corp's size.

A large corp (siyu_dev.simulator.wecom_large) is served by a simulator process of its own, so the
figures are the landing's, not the server's. The landing is the DAG's: ``land_wecom`` and
``land_unionid_links`` through a ``WeComClient`` counting every call in a ``CallLedger``. Only the
waiting is taken out: the client sends at full speed and the ledger keeps WeCom's hour budgets but
not its minute ones. How long a real corp takes is then computed from the calls each API needed,
the client's production pace (siyu.sources.wecom.client.RATES) and the quota budgets
(siyu.sources.wecom.budget): the quotas, not this machine, bound a real pull.

Runs: the first pull (day 0, an empty lake), the ID conversion's first run over the mini-program
users (after the day-0 pull, as in the DAG), and the daily pull of day 1 (a day of change: new,
deleted and retagged contacts). Peak RSS is the landing process's own, per run (VmHWM, reset
between runs).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa

from siyu.contracts import raw_schema
from siyu.lake import Lake, Partition
from siyu.sources.wecom import budget
from siyu.sources.wecom.client import DEFAULT_RATE, RATES, WeComClient
from siyu.sources.wecom.extract import land_wecom
from siyu.sources.wecom.idconvert import DAILY_CALLS, land_unionid_links
from siyu_dev.rss import peak_rss_mib, reset_peak_rss
from siyu_dev.simulator.wecom_large import DAY0, LargeCorp
from siyu_dev.simulator.wecom_server import DEMO_CORPID, DEMO_IDCONVERT_SECRET, DEMO_SECRET, ROUTES

PII_KEY = b"bench-landing"
FIRST_DATE = (DAY0 + dt.timedelta(hours=8)).date().isoformat()  # DAY0 is midnight in Beijing
IDCONVERT = "idconvert/unionid_to_external_userid"
ENTITIES = ("external_contacts", "follow_users", "group_chats", "group_members")
LEDGER_SHARE = 0.9  # CallLedger's default: the corp's other apps count against the same limits
FULL_SPEED = {path: 1e9 for path in ROUTES}
# WeCom's hour budgets kept, the minute ones lifted: a minute's wait is computed, not waited for
HOUR_BUDGETS_ONLY = {path: (10**9, budget.LIMITS.get(path, budget.DEFAULT_LIMIT)[1]) for path in ROUTES}


# --- the simulator process ------------------------------------------------------------------
@contextmanager
def large_corp(contacts: int, day: int, seed: int):
    """A large corp served by its own process on a free port: yields (base URL, process)."""
    command = [sys.executable, "-m", "siyu_dev.simulator.wecom_large", "--contacts", str(contacts)]
    command += ["--day", str(day), "--seed", str(seed), "--unlimited"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line.strip().isdigit():
            raise RuntimeError(f"the large-corp simulator did not start (exit {proc.poll()})")
        yield f"http://127.0.0.1:{int(line)}", proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _client(url: str, secret: str, ledger_file: Path) -> WeComClient:
    ledger = budget.CallLedger(ledger_file, limits=HOUR_BUDGETS_ONLY)
    return WeComClient(url, DEMO_CORPID, secret, rates=FULL_SPEED, ledger=ledger)


def _pull(url: str, lake: Lake, date: str, ledger_file: Path) -> dict:
    reset_peak_rss()
    started = time.perf_counter()
    with _client(url, DEMO_SECRET, ledger_file) as client:
        manifests = land_wecom(client, lake, date, PII_KEY)
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 1),
        "peak_rss_mib": peak_rss_mib(),
        "calls": dict(sorted(client.calls.items())),
        "landed": {e: manifests[e].row_count for e in ENTITIES},
        "landing_issues": manifests["landing_issues"].row_count,
    }


def write_mp_users(lake: Lake, corp: LargeCorp, date: str) -> int:
    """The mini-program users the ID conversion asks about, as appdb.mp_users lands them."""
    indices = corp.mp_user_indices()
    schema = raw_schema("appdb", "mp_users")
    columns = {f.name: pa.nulls(len(indices), f.type) for f in schema}
    columns["openid"] = pa.array([corp.openid(j) for j in indices], pa.string())
    columns["unionid"] = pa.array([corp.unionid(j) for j in indices], pa.string())
    lake.write(Partition("appdb", "mp_users", date), pa.table(columns, schema=schema), {"kind": "bench"})
    return len(indices)


def _convert(url: str, lake: Lake, date: str, ledger_file: Path) -> dict:
    reset_peak_rss()
    started = time.perf_counter()
    with _client(url, DEMO_IDCONVERT_SECRET, ledger_file) as client:
        manifest = land_unionid_links(client, lake, date, today=dt.date.fromisoformat(date))
    seconds = time.perf_counter() - started
    keep = ("pairs", "asked", "linked", "pending", "rejected", "left_for_later", "matched_pending", "stopped")
    return {
        "seconds": round(seconds, 1),
        "peak_rss_mib": peak_rss_mib(),
        "calls": dict(sorted(client.calls.items())),
        "landed": manifest.row_count,
        **{k: manifest.window.get(k) for k in keep},
    }


# --- what the quotas allow a real corp ------------------------------------------------------
def quota_budget(path: str) -> tuple[int, int]:
    """Siyu's share of an API's minute and hour limits, as the DAG's CallLedger keeps them."""
    per_minute, per_hour = budget.LIMITS.get(path, budget.DEFAULT_LIMIT)
    return int(per_minute * LEDGER_SHARE), int(per_hour * LEDGER_SHARE)


def real_seconds(calls: dict[str, int]) -> dict:
    """Calls go one after another (the landing is one thread): each API's take the longer of the
    client's production pace and WeCom's minute budget. An API needing more than its hour budget
    cannot finish within one run: a snapshot then fails (BudgetSpent), all or nothing."""
    per_api, over_hour = {}, []
    for path, n in calls.items():
        per_minute, per_hour = quota_budget(path)
        pace = n / RATES.get(path, DEFAULT_RATE)
        per_api[path] = round(max(pace, n / per_minute * 60), 1)
        if n > per_hour:
            over_hour.append(path)
    quota_only = sum(n / quota_budget(p)[0] * 60 for p, n in calls.items())
    return {
        "seconds": round(sum(per_api.values()), 1),
        "quota_bound_seconds": round(quota_only, 1),
        "per_api_seconds": per_api,
        "apis_over_hour_budget": over_hour,
    }


def real_conversion(pairs: int) -> dict:
    """A run stops when the conversion's hour budget is spent (it leaves the rest for the next run),
    and never asks past the day's budget: with one run a day, that is what a day converts."""
    per_hour = quota_budget(IDCONVERT)[1]
    per_run = min(pairs, per_hour, DAILY_CALLS)
    return {
        "asked_per_daily_run": per_run,
        "run_hours": round(per_run / RATES[IDCONVERT] / 3600, 2),
        "days_to_ask_all": math.ceil(pairs / max(1, min(per_hour, DAILY_CALLS))),
        "days_to_ask_all_hourly_runs": math.ceil(pairs / DAILY_CALLS),
    }


def served(contacts: int, day: int, seed: int) -> dict:
    corp = LargeCorp(contacts, day, seed)
    return {
        "external_contacts": corp.contact_total,
        "follow_users": corp.follow_total,
        "group_chats": corp.chat_total,
        "group_members": corp.member_total(),
    }


def _progress(name: str, run: dict) -> dict:
    """A long bench says each run's figures as it ends (stderr), not only at the end."""
    print(f"{name}: {run['seconds']} s, peak RSS {run['peak_rss_mib']} MiB", file=sys.stderr, flush=True)
    return run


RUN_FIGURES = ("calls", "seconds", "peak_rss_mib")


def bench_landing(contacts: int, seed: int = 1) -> dict:
    first_date = FIRST_DATE
    daily_date = (dt.date.fromisoformat(first_date) + dt.timedelta(days=1)).isoformat()
    expected = {"first": served(contacts, 0, seed), "daily": served(contacts, 1, seed)}
    with tempfile.TemporaryDirectory(prefix="siyu-bench-landing-") as tmp:
        lake = Lake(str(Path(tmp) / "lake"))
        ledger_file = budget.ledger_path(Path(tmp) / "state", DEMO_CORPID)
        with large_corp(contacts, 0, seed) as (url, proc):
            first = _progress("first pull", _pull(url, lake, first_date, ledger_file))
            mp_users = write_mp_users(lake, LargeCorp(contacts, 0, seed), first_date)
            conversion = _progress("ID conversion", _convert(url, lake, first_date, ledger_file))
            simulator_rss = peak_rss_mib(proc.pid)
        with large_corp(contacts, 1, seed) as (url, proc):
            daily = _progress("daily pull", _pull(url, lake, daily_date, ledger_file))
            simulator_rss = max(simulator_rss, peak_rss_mib(proc.pid))
    real_first, real_daily = real_seconds(first["calls"]), real_seconds(daily["calls"])
    real_idc = real_conversion(conversion["pairs"] or 0)
    return {
        "contacts": contacts,
        "served": expected,
        "landed": {"first": first["landed"], "daily": daily["landed"], "unionid_links": conversion["landed"]},
        "mp_users": mp_users,
        "calls_first": first["calls"],
        "calls_daily": daily["calls"],
        "calls_id_conversion": conversion["calls"],
        "id_conversion": {
            k: v for k, v in conversion.items() if k not in ("calls", "seconds", "peak_rss_mib")
        },
        "first_pull_s": first["seconds"],
        "daily_pull_s": daily["seconds"],
        "id_conversion_s": conversion["seconds"],
        "peak_rss_mib": max(first["peak_rss_mib"], daily["peak_rss_mib"], conversion["peak_rss_mib"]),
        "peak_rss_mib_by_run": {
            "first_pull": first["peak_rss_mib"],
            "id_conversion": conversion["peak_rss_mib"],
            "daily_pull": daily["peak_rss_mib"],
        },
        "simulator_peak_rss_mib": simulator_rss,
        "real_first_pull_h": round(real_first["seconds"] / 3600, 2),
        "real_daily_pull_min": round(real_daily["seconds"] / 60, 1),
        "real_first_pull": real_first,
        "real_daily_pull": real_daily,
        "real_id_conversion": real_idc,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
