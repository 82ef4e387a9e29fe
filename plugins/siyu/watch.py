"""The landing watch: each source's partitions for a China day exist by a deadline, else an alert.

An ingest run that fails or times out alerts by itself (siyu.alerts), but a run that was never
created (the scheduler down, a DAG paused, a missed interval) cannot. So a DAG of its own
(``siyu_watch_landing``) runs daily at ``SIYU_LANDING_DEADLINE`` (China time, default 06:00), covers
the day before like every daily DAG, and checks the lake itself: one alert per ingest DAG with a
missing partition, naming the entities; nothing when all landed.
"""

from __future__ import annotations

import logging
import os

from siyu import alerts
from siyu.contracts import RAW
from siyu.lake import Lake, Partition

log = logging.getLogger(__name__)

DEFAULT_DEADLINE = "06:00"


def deadline() -> tuple[int, int]:
    """(hour, minute) of SIYU_LANDING_DEADLINE, China time."""
    text = os.environ.get("SIYU_LANDING_DEADLINE", DEFAULT_DEADLINE)
    try:
        hour, minute = (int(x) for x in text.split(":"))
        if not (0 <= hour < 24 and 0 <= minute < 60):
            raise ValueError(text)
    except ValueError:
        raise ValueError(f"SIYU_LANDING_DEADLINE must be HH:MM (China time), not {text!r}") from None
    return hour, minute


def deadline_cron() -> str:
    hour, minute = deadline()
    return f"{minute} {hour} * * *"


def landing_dag(source: str, entity: str) -> str:
    """The ingest DAG that lands a raw entity."""
    if (source, entity) == ("wecom", "unionid_links"):
        return "siyu_ingest_idconvert"
    return f"siyu_ingest_{source}"


def missing_partitions(day: str, lake: Lake) -> dict[str, list[str]]:
    """Entities (source.entity) without a complete partition (a manifest) for ``day``, by ingest DAG."""
    missing: dict[str, list[str]] = {}
    for source, entity in RAW:
        if lake.manifest(Partition(source, entity, day)) is None:
            missing.setdefault(landing_dag(source, entity), []).append(f"{source}.{entity}")
    return missing


def alert_text(dag_id: str, day: str, entities: list[str]) -> str:
    hour, minute = deadline()
    return (
        f"**Siyu: {dag_id} has not landed** {day} by {hour:02d}:{minute:02d} China time\n"
        f"> missing: {', '.join(entities)}\n"
        f"> check its run for {day}, or trigger it: "
        f"`airflow dags trigger {dag_id} --logical-date {day}`"
    )


def check_landed(day: str, lake: Lake | None = None) -> dict[str, list[str]]:
    """Alert once per ingest DAG whose partitions of ``day`` are missing; returns what is missing."""
    from siyu.config import settings

    missing = missing_partitions(day, lake or Lake(settings().lake))
    for dag_id, entities in sorted(missing.items()):
        log.warning("%s has not landed %s: %s", dag_id, day, ", ".join(entities))
        alerts.send(alert_text(dag_id, day, entities))
    if not missing:
        log.info("every source landed %s", day)
    return missing
