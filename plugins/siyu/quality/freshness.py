"""Source freshness, as declared in the dbt sources (``config.loaded_at_field`` and ``freshness``),
checked by the raw gate on the partition of the logical date.

``dbt source freshness`` measures against the wall clock, so a backfill of an old date would always
fail; here the newest ``loaded_at_field`` in the partition is measured against the end of the
logical day (China time), which gives a re-run the same answer.
https://docs.getdbt.com/reference/resource-properties/freshness
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo

import pandas as pd
import yaml

from siyu.config import project_root
from siyu.quality.runner import Failure

CHINA = ZoneInfo("Asia/Shanghai")
HOURS = {"minute": 1 / 60, "hour": 1, "day": 24}


@cache
def declared() -> dict[tuple[str, str], dict]:
    """(source, table) → {"field", "warn_hours", "error_hours"}, from each source folder's sources YAML
    (models/staging/<source>/_<source>__sources.yml)."""
    rules = {}
    for path in sorted((project_root() / "dbt_project" / "models" / "staging").glob("*/_*__sources.yml")):
        for source in yaml.safe_load(path.read_text())["sources"]:
            for table in source.get("tables", []):
                config = table.get("config") or {}
                if "freshness" not in config:
                    continue
                limit = {k: v["count"] * HOURS[v["period"]] for k, v in config["freshness"].items() if v}
                rules[(source["name"], table["name"])] = {
                    "field": config["loaded_at_field"],
                    "warn_hours": limit.get("warn_after"),
                    "error_hours": limit.get("error_after"),
                }
    return rules


def check(source: str, entity: str, day: str, frame: pd.DataFrame) -> Failure | None:
    """A Failure (critical past error_after, warning past warn_after) or None when fresh or undeclared."""
    rule = declared().get((source, entity))
    if rule is None:
        return None
    end_of_day = dt.datetime.combine(dt.date.fromisoformat(day) + dt.timedelta(days=1), dt.time(), CHINA)
    newest = frame[rule["field"]].max() if len(frame) else None
    kwargs = {"loaded_at_field": rule["field"], "warn_after_hours": rule["warn_hours"],
              "error_after_hours": rule["error_hours"], "newest": str(newest)}  # fmt: skip
    if newest is None or pd.isna(newest):
        return Failure("source_freshness", kwargs, "warning", observed_value="no rows to measure")
    age = (end_of_day - newest.to_pydatetime()).total_seconds() / 3600
    for severity, limit in (("critical", rule["error_hours"]), ("warning", rule["warn_hours"])):
        if limit is not None and age > limit:
            return Failure("source_freshness", kwargs, severity, observed_value=round(age, 1))
    return None
