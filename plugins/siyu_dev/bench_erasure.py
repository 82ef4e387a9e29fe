"""`siyu bench erasure`: the time one erasure (PIPL Art. 47) takes at a brand's size.

It lands the synthetic world of `siyu bench warehouse` (siyu_dev.bench_world) for N people, builds the
day before the last and the last day (a warehouse with a day of history behind it), publishes both,
then erases the customer with the most identifiers among those with a unionid, as the siyu_privacy
DAG's task does (siyu.pipl.runner). Each step runs in a process of its own. The figure is the erasure
log's ``seconds`` (suppression, lake rewrite, warehouse delete and compaction, the day's rebuild with
its histories over every day they held, gate, publish, snapshots, files); the output's last line is one
JSON object with the log entry (counts only, no identifier).
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from siyu_dev.bench_identity import DAY, in_own_process, temp_home
from siyu_dev.bench_warehouse import build
from siyu_dev.bench_world import land_world

PICK = """
select customer_id, any_value(identifier) filter (identifier_type = 'unionid') as unionid
from customer_identifiers group by customer_id
having count(*) filter (identifier_type = 'unionid') > 0
order by count(*) desc, customer_id limit 1
"""


def publish_day(home: str, day: str) -> None:
    from siyu import tasks
    from siyu.warehouse import environ

    with environ(temp_home(Path(home))):
        tasks.publish(day)


def erase_one(home: str) -> dict:
    """File an erasure of the customer PICK chooses and carry it out; its erasure log entry."""
    import duckdb

    from siyu.config import settings
    from siyu.pipl import requests, runner
    from siyu.pipl.paths import erasure_log
    from siyu.warehouse import environ

    with environ(temp_home(Path(home))):
        with duckdb.connect(str(settings().published), read_only=True) as con:
            _customer, unionid = con.execute(PICK).fetchall()[0]
        request = requests.file_request("erase", "unionid", unionid)
        started = time.perf_counter()
        runner.carry_out_pending()
        wall = time.perf_counter() - started
        entry = json.loads(erasure_log().read_text().splitlines()[-1])
    assert entry["request_id"] == request["id"]
    return {**entry, "wall_seconds": round(wall, 1)}


def bench_erasure(people: int, lake_days: int = 30, event_days: int = 75, seed: int = 1) -> dict:
    day_before = str(np.datetime64(DAY) - 1)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        landed = in_own_process(land_world, str(Path(tmp) / "lake"), people, seed, lake_days, event_days)
        for day in (day_before, DAY):
            in_own_process(build, tmp, day)
            in_own_process(publish_day, tmp, day)
        prepared = time.perf_counter() - started
        entry = in_own_process(erase_one, tmp)
    return {
        "people": people,
        "events": landed["tracking.events"],
        "orders": landed["appdb.orders"],
        "lake_days": lake_days,
        "prepare_seconds": round(prepared, 1),
        "erasure_seconds": entry["seconds"],
        "erasure_log": entry,
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
