"""Which logical date a task works on, from its Airflow context.

A scheduled or `airflow dags test` run has a logical date. An Asset-triggered run (the warehouse
after ingest) has none in Airflow 3: it takes the newest ``dt`` its triggering asset events carry.
"""

from __future__ import annotations

from typing import Any


def run_date(context: dict[str, Any]) -> str:
    logical = context.get("logical_date")
    if logical is not None:
        return logical.strftime("%Y-%m-%d")
    dates = [
        event.extra["dt"]
        for events in (context.get("triggering_asset_events") or {}).values()
        for event in events
        if event.extra and "dt" in event.extra
    ]
    if not dates:
        raise ValueError("run has neither a logical date nor triggering asset events with a dt")
    return max(dates)


def mark_landed(context: dict[str, Any], assets: list, dt: str, manifests: dict) -> None:
    """Attach the partition date and row count to each outlet asset event."""
    for asset in assets:
        entity = asset.uri.rsplit("/", 1)[-1]
        manifest = manifests.get(entity)
        context["outlet_events"][asset].extra = {
            "dt": dt,
            "rows": manifest.row_count if manifest else None,
        }
