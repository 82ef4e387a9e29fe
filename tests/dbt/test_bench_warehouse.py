"""`siyu bench warehouse` end to end on a tiny world: builds, a daily run equal to a rebuild, JSON."""

from __future__ import annotations

import json
import os

import pytest
from typer.testing import CliRunner

from siyu.cli import app

REQUIRED = (
    "people",
    "events",
    "orders",
    "full_build_s",
    "daily_run_s",
    "baseline_daily_run_s",
    "peak_rss_mib",
    "rows_differing_from_scratch",
)


@pytest.mark.slow
def test_bench_warehouse_runs_end_to_end_and_its_last_line_is_the_report(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the bench works in a temp dir of its own; nothing lands here
    before = {k: v for k, v in os.environ.items() if k.startswith("SIYU_")}
    args = ["bench", "warehouse", "--people", "500", "--lake-days", "3", "--event-days", "30"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert {k: v for k, v in os.environ.items() if k.startswith("SIYU_")} == before
    report = json.loads(result.output.strip().splitlines()[-1])
    assert set(REQUIRED) <= set(report)
    assert report["people"] == 500
    assert report["events"] == report["rows_landed"]["tracking.events"] > 5000
    assert report["orders"] == report["rows_landed"]["appdb.orders"] > 500
    for step in ("full_build_s", "daily_run_s", "baseline_daily_run_s"):
        assert report[step] > 0
    assert report["peak_rss_mib"] == max(report["peak_rss_mib_by_step"].values()) > 0
    # every model timed, the prediction fit among them
    assert (
        "int_customer_predictions" in report["top_models_full_build_s"]
        or len(report["top_models_full_build_s"]) == 10
    )
    # the daily run reached exactly what a rebuild of that day from scratch gives, table for table
    assert report["tables_compared"] >= 30
    assert report["rows_differing_from_scratch"] == 0, report["tables_differing"]
    assert not list(tmp_path.iterdir())
