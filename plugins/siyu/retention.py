"""Retention of the raw lake: partitions older than a configured age per entity are pruned, but only
once the warehouse no longer needs them.

What "no longer needed" means depends on how the warehouse reads an entity:

- WeCom's daily snapshots of contacts, follow relations and group members are read by staging at
  the latest snapshot only; their history lives in the incremental history models
  (int_wecom__relation_spells, ...), which fold each snapshot once. A snapshot may go when it is not
  the newest and every model that folds it has a watermark (``incremental_watermarks.folded_through``)
  on or after its date.
- The other WeCom snapshots (groups, tags, contact ways, unassigned contacts, landing issues) are read
  at the latest snapshot only: any but the newest may go.
- The app DB lands what changed per window: an old partition is the only copy of every row not
  changed since, and staging keeps the latest version over all partitions. Pruning one would delete
  orders and users from the marts: kept (None).
- Tracking events are read whole by fct_events (a table, not incremental): kept. Their quarantine
  (unreadable lines, phones masked) is for debugging only: pruned after its age.

The price of a pruned snapshot: a rebuild from scratch (a changed merge rule, a backfill before the
watermark) folds only the snapshots still kept, so histories older than the horizon are lost then.

Ages are days before the run's date; ``SIYU_RETENTION_DAYS`` (JSON, e.g.
``{"wecom.follow_users": 365, "tracking.events_quarantine": null}``) overrides them, null meaning keep.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from siyu.lake import Lake, Partition

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rule:
    keep_days: int | None  # None: kept for ever
    folded_by: tuple[str, ...] = ()  # incremental models whose watermark must have passed the date
    why: str = ""


SNAPSHOT = "read at the latest snapshot only"
RULES: dict[tuple[str, str], Rule] = {
    ("wecom", "external_contacts"): Rule(90, ("int_wecom__contact_unionids",), "history folded"),
    ("wecom", "follow_users"): Rule(
        90, ("int_wecom__relation_spells", "int_wecom__remark_phones"), "history folded"
    ),
    ("wecom", "group_members"): Rule(90, ("int_wecom__group_member_unionids",), "history folded"),
    ("wecom", "group_chats"): Rule(90, (), SNAPSHOT),
    ("wecom", "corp_tags"): Rule(90, (), SNAPSHOT),
    ("wecom", "contact_ways"): Rule(90, (), SNAPSHOT),
    ("wecom", "unassigned_contacts"): Rule(90, (), SNAPSHOT),
    ("wecom", "landing_issues"): Rule(90, (), SNAPSHOT),
    ("wecom", "unionid_links"): Rule(30, ("int_identity__edges",), "cumulative: each holds every pair"),
    ("wecom", "user_behavior"): Rule(None, (), "staff statistics by day, read whole"),
    ("appdb", "mp_users"): Rule(None, (), "the only copy of unchanged rows"),
    ("appdb", "orders"): Rule(None, (), "the only copy of unchanged rows"),
    ("appdb", "order_items"): Rule(None, (), "the only copy of unchanged rows"),
    ("appdb", "refunds"): Rule(None, (), "the only copy of unchanged rows"),
    ("appdb", "commissions"): Rule(None, (), "the only copy of unchanged rows"),
    ("appdb", "advisor_codes"): Rule(None, (), "the only copy of unchanged rows"),
    ("appdb", "consent_events"): Rule(None, (), "the only copy of a consent decision"),
    ("tracking", "events"): Rule(None, (), "read whole by fct_events"),
    ("tracking", "events_quarantine"): Rule(90, (), "debugging only"),
}


def rules() -> dict[tuple[str, str], Rule]:
    """RULES with SIYU_RETENTION_DAYS applied (``source.entity`` → days or null)."""
    out = dict(RULES)
    raw = os.environ.get("SIYU_RETENTION_DAYS", "").strip()
    if not raw:
        return out
    overrides = json.loads(raw)
    for name, days in overrides.items():
        key = tuple(name.split(".", 1))
        if key not in out:
            raise ValueError(f"SIYU_RETENTION_DAYS: unknown entity {name!r} (use source.entity)")
        if days is not None and (not isinstance(days, int) or days < 1):
            raise ValueError(f"SIYU_RETENTION_DAYS[{name!r}] must be a positive number of days or null")
        out[key] = Rule(days, out[key].folded_by, out[key].why)
    return out


def watermarks(warehouse: Path) -> dict[str, str]:
    """model → the date its incremental table has folded through; empty without a warehouse."""
    if not Path(warehouse).exists():
        return {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        try:
            rows = con.execute(
                "select model, cast(folded_through as varchar) from main_intermediate.incremental_watermarks"
            ).fetchall()
        except duckdb.CatalogException:
            return {}
    return dict(rows)


def delete_partition(lake: Lake, part: Partition) -> None:
    """Move the partition out of the lake's ``dt=*`` names in one rename, then remove it: readers see
    it whole or not at all, and a crash in between leaves a hidden folder no reader globs."""
    final = lake.partition_path(part)
    parent = final.rsplit("/", 1)[0]
    doomed = f"{parent}/.pruned-dt={part.dt}-{uuid.uuid4().hex[:8]}"
    lake.fs.mv(final, doomed, recursive=True)
    lake.fs.rm(doomed, recursive=True)


def prune(
    lake: Lake,
    warehouse: Path,
    today: str,
    dry_run: bool = False,
    entity_rules: dict[tuple[str, str], Rule] | None = None,
) -> dict[str, dict]:
    """Delete the partitions each rule allows; returns per entity what went and what was held back
    (counts and dates only)."""
    entity_rules = rules() if entity_rules is None else entity_rules
    folded = watermarks(warehouse)
    report: dict[str, dict] = {}
    for (source, entity), rule in entity_rules.items():
        if rule.keep_days is None:
            continue
        horizon = (dt.date.fromisoformat(today) - dt.timedelta(days=rule.keep_days)).isoformat()
        dates = lake.partitions(source, entity)
        newest = dates[-1] if dates else None
        pruned, held = [], []
        for d in dates:
            if d >= horizon or d == newest:
                continue
            unfolded = [m for m in rule.folded_by if folded.get(m, "") < d]
            if unfolded:
                held.append(d)  # the warehouse has not folded it yet (or never built): keep
                continue
            if not dry_run:
                delete_partition(lake, Partition(source, entity, d))
            pruned.append(d)
        if pruned or held:
            report[f"{source}.{entity}"] = {
                "pruned": len(pruned),
                "held_unfolded": len(held),
                "oldest_kept": next((d for d in dates if d not in pruned), None),
            }
    log.info("retention %s: %s", today, report)
    return report


def prune_task(dt_: str) -> dict[str, dict]:
    """The siyu_exports task: prune the lake of the settings after the day's publication."""
    from siyu.config import settings

    s = settings()
    return prune(Lake(s.lake), s.warehouse, dt_)
