"""`siyu bench tracking --events N`: the tracking landing's time and peak memory for a day of N events.

An inbox of hourly JSONL files (two collectors, 1 % of events sent twice) over ``history_days``
earlier days landed first, by another process; then the measured run lands the last day. Peak RSS
is the landing's own (VmHWM reset before it): run at two sizes, and at two histories, and compare.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import tempfile
import time
from pathlib import Path

from siyu.lake import Lake
from siyu.sources.tracking.extract import Ledger, land_events
from siyu_dev.rss import peak_rss_mib, reset_peak_rss

EVENTS = ("page_view", "product_view", "add_to_cart", "favorite", "share", "search")
LAST_DATE = dt.date(2026, 12, 2)


def write_day(inbox: Path, day: dt.date, events: int, offset: int) -> None:
    """``events`` events of ``day`` in 2 collectors × 24 hourly files; every 100th is sent twice."""
    per_file = -(-events // 48)
    for f in range(48):
        collector, hour = f"collector{f % 2}", f // 2
        path = inbox / collector / day.isoformat() / f"{hour:02d}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = []
        for n in range(f * per_file, min(events, (f + 1) * per_file)):
            i = offset + n
            ts = dt.datetime.combine(day, dt.time(hour), dt.UTC) + dt.timedelta(seconds=n % 3600)
            record = {
                "event_id": f"ev{i:012d}",
                "openid": f"oM{i % 50_000:026d}",
                "event": EVENTS[i % len(EVENTS)],
                "ts": ts.isoformat(),
                "page": "pages/item/detail",
                "item_id": f"sku{i % 900:04d}",
                "scene": 1001,
                "props": {"from": "feed", "pos": i % 20},
            }
            line = json.dumps(record, sort_keys=True)
            lines.append(line)
            if i % 100 == 0:
                lines.append(line)
        path.write_text("\n".join(lines) + "\n")


def land_history(tmp: str, days: list[dt.date], events: int) -> None:
    inbox, lake, ledger = Path(tmp) / "inbox", Lake(str(Path(tmp) / "lake")), Ledger(Path(tmp) / "ledger")
    for n, day in enumerate(days):
        write_day(inbox, day, events, n * events)
        land_events(inbox, lake, ledger, day.isoformat())


def bench_tracking(events: int, history_days: int = 2) -> dict:
    with tempfile.TemporaryDirectory(prefix="siyu-bench-tracking-") as tmp:
        inbox, lake = Path(tmp) / "inbox", Lake(str(Path(tmp) / "lake"))
        ledger = Ledger(Path(tmp) / "ledger")
        days = [LAST_DATE - dt.timedelta(days=d) for d in range(history_days, -1, -1)]
        # the earlier days land in a process of their own: the measured run starts from a clean heap
        history = multiprocessing.get_context("fork").Process(
            target=land_history, args=(tmp, days[:-1], events)
        )
        history.start()
        history.join()
        if history.exitcode != 0:
            raise RuntimeError(f"landing the earlier days failed (exit {history.exitcode})")
        write_day(inbox, days[-1], events, history_days * events)
        reset_peak_rss()
        before = peak_rss_mib(field="VmRSS")
        started = time.perf_counter()
        manifests = land_events(inbox, lake, ledger, days[-1].isoformat())
        seconds = time.perf_counter() - started
        peak = peak_rss_mib()
    return {
        "events": events,
        "history_days": history_days,
        "landed": manifests["events"].row_count,
        "duplicates_dropped": manifests["events"].window.get("duplicates_dropped"),
        "seconds": round(seconds, 1),
        "peak_rss_mib": peak,
        "rss_growth_during_landing_mib": round(peak - before, 1),
    }
