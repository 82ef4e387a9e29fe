"""Local runs take a lock per DAG and date: a second `siyu dag` of the same pair stops at once."""

from __future__ import annotations

import subprocess
import sys

import pytest

from siyu_dev.local_airflow import RunInProgress, run_lock

HOLD = """
import sys, time
from pathlib import Path
from siyu_dev.local_airflow import run_lock
with run_lock(Path(sys.argv[1]), "siyu_ingest_appdb", "2026-11-24"):
    print("held", flush=True)
    time.sleep(30)
"""


def test_a_second_run_of_the_same_dag_and_date_is_refused(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        refused = rf"siyu_ingest_appdb 2026-11-24 is already running here \(pid {holder.pid}\)"
        with pytest.raises(RunInProgress, match=refused):
            with run_lock(tmp_path, "siyu_ingest_appdb", "2026-11-24"):
                pass
        with run_lock(tmp_path, "siyu_ingest_appdb", "2026-11-23"):  # another date runs
            pass
        with run_lock(tmp_path, "siyu_ingest_wecom", "2026-11-24"):  # another DAG runs
            pass
    finally:
        holder.kill()
        holder.wait()
    with run_lock(tmp_path, "siyu_ingest_appdb", "2026-11-24"):  # released when its holder ends
        pass
