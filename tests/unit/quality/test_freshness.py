"""Source freshness as the dbt sources declare it, measured by the raw gate against the logical day."""

from __future__ import annotations

import pandas as pd

from siyu.quality import freshness


def orders(*times: str) -> pd.DataFrame:
    return pd.DataFrame({"updated_at": pd.to_datetime(list(times), utc=True, format="ISO8601")})


def test_rules_come_from_the_dbt_sources():
    rules = freshness.declared()
    assert rules[("appdb", "orders")] == {"field": "updated_at", "warn_hours": 24, "error_hours": 72}
    assert rules[("tracking", "events")]["field"] == "ts"
    assert ("wecom", "external_contacts") not in rules  # a snapshot has no change time to measure


def test_fresh_stale_and_empty_partitions():
    day = "2026-11-24"  # ends 2026-11-24 16:00 UTC (midnight in China)
    assert freshness.check("appdb", "orders", day, orders("2026-11-20", "2026-11-24T15:00:00")) is None
    warned = freshness.check("appdb", "orders", day, orders("2026-11-23T10:00:00"))
    assert (warned.severity, warned.observed_value) == ("warning", 30.0)
    failed = freshness.check("appdb", "orders", day, orders("2026-11-20T16:00:00"))
    assert (failed.severity, failed.observed_value) == ("critical", 96.0)
    empty = freshness.check("appdb", "orders", day, orders())
    assert empty.severity == "warning" and empty.observed_value == "no rows to measure"
    assert freshness.check("wecom", "external_contacts", day, pd.DataFrame()) is None
