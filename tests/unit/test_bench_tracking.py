"""`siyu bench tracking`: a day of events lands once each, after the days before it."""

from __future__ import annotations

from siyu_dev.bench_tracking import bench_tracking


def test_bench_tracking_lands_each_event_once():
    report = bench_tracking(2000, history_days=1)
    # every 100th event was sent twice: landed once, the copy counted as a duplicate
    assert report["landed"] == 2000 and report["duplicates_dropped"] == 20
    assert report["peak_rss_mib"] > 0
