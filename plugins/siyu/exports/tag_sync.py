"""Reverse ETL of customer tags to WeCom: desired vs current → a plan → mark_tag calls.

The plan is computed from WeCom's *current* tags (read from the API at sync time), never from what
an earlier run believes it wrote. So applying twice makes no second call, and a call that failed
(or whose answer was lost) simply shows up again in the next run's plan: mark_tag is idempotent at
WeCom, so a change is never applied twice in effect. Only corp tags that Siyu manages (the mapping's
targets) are ever removed: tags staff set by hand are left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

log = logging.getLogger(__name__)

Follow = tuple[str, str]  # (staff userid, external_userid): WeCom tags live on this relation


@dataclass(frozen=True)
class TagChange:
    userid: str
    external_userid: str
    add_tag: tuple[str, ...] = ()
    remove_tag: tuple[str, ...] = ()


@dataclass
class ApplyResult:
    applied: list[TagChange] = field(default_factory=list)
    failed: list[tuple[TagChange, str]] = field(default_factory=list)


class TagWriter(Protocol):
    def mark_tag(
        self, userid: str, external_userid: str, add_tag: list[str], remove_tag: list[str]
    ) -> None: ...


def plan(
    desired: Mapping[str, set[str]],
    current: Mapping[Follow, set[str]],
    managed: set[str],
) -> list[TagChange]:
    """One change per follow relation whose managed tags differ from the desired ones."""
    changes = []
    for (userid, ext), tags in sorted(current.items()):
        want = desired.get(ext, set()) & managed
        have = tags & managed
        add, remove = sorted(want - have), sorted(have - want)
        if add or remove:
            changes.append(TagChange(userid, ext, tuple(add), tuple(remove)))
    return changes


def apply(changes: Iterable[TagChange], writer: TagWriter) -> ApplyResult:
    """Apply each change; a failure is recorded and the rest go on (the next plan retries it)."""
    result = ApplyResult()
    for change in changes:
        try:
            writer.mark_tag(
                change.userid, change.external_userid, list(change.add_tag), list(change.remove_tag)
            )
        except Exception as error:  # any failure is retried by the next run's plan
            result.failed.append((change, type(error).__name__ + ": " + str(error)[:200]))
            continue
        result.applied.append(change)
    log.info("tag sync: %d applied, %d failed", len(result.applied), len(result.failed))
    return result
