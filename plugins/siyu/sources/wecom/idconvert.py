"""WeCom ID conversion → lake: which external contact each mini-program user is.

A contact's detail may hide its unionid (the corp's Open Platform binding, the app's kind), so the
mini-program user and the WeCom contact of one person would stay apart. WeCom's ID conversion
answers the question the other way round, in the two steps its documentation recommends:

1. ``idconvert/unionid_to_external_userid``: each mini-program user's (unionid, openid), asked once,
   gives the corp's external_userid, or a ``pending_id`` while the WeChat user is not a customer;
2. ``idconvert/batch/external_userid_to_pending_id``: the day's contacts still unmatched (and without
   a unionid of their own) give back the pending_id of a user converted before they became a customer.

Each date lands a cumulative snapshot (``wecom.unionid_links``): every pair asked so far, with its
external_userid once known (``linked_on``: the date it was), its pending_id and the date WeCom gave it
(``pending_on``), or the reason WeCom refused it (asked again a week later).

What WeCom answers decides what lands (document/path/97108 and the global errcodes, 90313):

- ``external_userid`` and/or ``pending_id``: the pair's answer. A pending_id lives 90 days: a pair still
  pending is asked again after 80, and only live pending_ids are matched through
  ``external_userid_to_pending_id``;
- a per-pair errcode (an invalid unionid/openid): that pair is refused, kept with the errcode;
- the quota (45009/45033 after retries), the day's and month's budget, or the API's hour budget
  kept in the call ledger (``BudgetSpent``, siyu.sources.wecom.budget): the run stops cleanly,
  lands what it got and leaves the rest for the next run (the manifest says how many);
- anything else (48002 wrong app, 60020 untrusted IP, 701008, -1 after retries, ...) concerns every
  pair, not one: what was converted lands, then the task fails naming the errcode and its meaning.

The quota is a budget kept across runs: 480,000 a day and 7,500,000 a month per corp, shared by every
app (the client paces calls under 100,000 an hour, and runs never overlap); what earlier runs asked
on the same real day and month is read back from their manifests (``asked_on``). WeCom wants
conversions driven by users' visits, not bulk jobs: a first run over an existing user base is a
backfill, spread over days by the budget. The pairs come from the
mini-program users landed up to this date and the contacts from this date's WeCom snapshot, so it runs
after both (siyu_ingest_idconvert).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pyarrow as pa

from siyu.contracts import raw_schema
from siyu.lake import Lake, Manifest, Partition
from siyu.sources.wecom.budget import BudgetSpent
from siyu.sources.wecom.client import WeComClient, WeComError

log = logging.getLogger(__name__)

DAILY_CALLS = 400_000  # under WeCom's 480,000 a day, leaving room for the corp's other apps
MONTHLY_CALLS = 7_000_000  # under 7,500,000 a month
RETRY_REJECTED_AFTER = dt.timedelta(days=7)  # a refused pair is asked again a week later
PENDING_LIFETIME = dt.timedelta(days=90)  # document/path/97108: a pending_id is valid 90 days
REASK_PENDING_AFTER = dt.timedelta(days=80)  # ask a still-pending pair again before it expires
PENDING_BATCH = 100  # external_userid_to_pending_id takes at most 100 ids a call
# Answers about the pair itself (an id WeCom does not accept); every other errcode concerns the call.
PER_PAIR_ERRORS = frozenset({40003, 40073, 40096})
QUOTA_ERRORS = frozenset({45009, 45033})
ENTITY = ("wecom", "unionid_links")
BEIJING = dt.timezone(dt.timedelta(hours=8))


class ConversionFailed(WeComError):
    """A systemic error stopped the conversion; ``rows`` and ``stats`` hold what it did before."""

    def __init__(self, error: WeComError, rows: list[dict], stats: dict):
        hint = (
            " The ID conversion takes only a third-party or 代开发 app's token: set the connection"
            " siyu_wecom_idconvert to that app's corpid and secret."
            if error.errcode == 48002
            else ""
        )
        super().__init__(error.endpoint, error.errcode, f"{error.errmsg}.{hint} ({stats['asked']} asked)")
        self.rows, self.stats = rows, stats


def mini_program_pairs(lake: Lake, logical_date: str) -> list[tuple[str, str]]:
    """(unionid, openid) of every mini-program user landed up to ``logical_date`` (latest version)."""
    latest: dict[str, str | None] = {}
    for day in lake.partitions("appdb", "mp_users"):
        if day > logical_date:
            break
        rows = lake.read(Partition("appdb", "mp_users", day)).select(["openid", "unionid"]).to_pylist()
        for row in rows:  # incremental partitions, oldest first: a later version wins
            if row["openid"]:
                latest[row["openid"]] = row["unionid"] or latest.get(row["openid"])
    return sorted((u, o) for o, u in latest.items() if u)


def contacts_without_unionid(lake: Lake, logical_date: str) -> list[str]:
    """WeChat contacts (type 1) of the latest WeCom snapshot up to ``logical_date`` whose detail
    shows no unionid: the ones only the conversion can join."""
    days = [d for d in lake.partitions("wecom", "external_contacts") if d <= logical_date]
    if not days:
        return []
    rows = lake.read(Partition("wecom", "external_contacts", days[-1])).to_pylist()
    return sorted(r["external_userid"] for r in rows if r["type"] == 1 and not r["unionid"])


def previous_links(lake: Lake, logical_date: str) -> dict[tuple[str, str], dict]:
    earlier = [d for d in lake.partitions(*ENTITY) if d < logical_date]
    if not earlier:
        return {}
    rows = lake.read(Partition(*ENTITY, earlier[-1])).to_pylist()
    return {(r["unionid"], r["openid"]): r for r in rows}


def quota_used(lake: Lake, logical_date: str, today: dt.date) -> tuple[int, int]:
    """Conversions earlier runs asked on ``today`` and in its month, from the partitions' manifests.
    WeCom counts real days, not logical dates: a backfill of several dates in one day shares one
    day's quota. (A re-run of ``logical_date`` replaces its partition, so its own is not counted.)"""
    day = month = 0
    for partition_day in lake.partitions(*ENTITY):
        manifest = lake.manifest(Partition(*ENTITY, partition_day))
        if partition_day == logical_date or manifest is None:
            continue
        asked_on = str(manifest.window.get("asked_on", partition_day))
        asked = int(manifest.window.get("asked", 0))
        day += asked if asked_on == today.isoformat() else 0
        month += asked if asked_on[:7] == today.isoformat()[:7] else 0
    return day, month


def _due(link: dict | None, today: dt.date) -> bool:
    if link is None:
        return True
    if link.get("rejected_reason"):
        return link["checked_on"] + RETRY_REJECTED_AFTER <= today
    if link.get("external_userid"):
        return False
    return (link.get("pending_on") or link["checked_on"]) + REASK_PENDING_AFTER <= today


def convert(
    client: WeComClient,
    pairs: list[tuple[str, str]],
    contacts: list[str],
    known: dict[tuple[str, str], dict],
    logical_date: str,
    budget: int = DAILY_CALLS,
) -> tuple[list[dict], dict]:
    """Ask the due pairs (at most ``budget``), then match live pending_ids. A systemic error raises
    ConversionFailed carrying the rows so far."""
    today = dt.date.fromisoformat(logical_date)
    links = dict(known)
    due = [p for p in pairs if _due(known.get(p), today)]
    stats: dict[str, Any] = {
        "pairs": len(pairs),
        "asked": 0,
        "linked": 0,
        "pending": 0,
        "rejected": 0,
        "left_for_later": 0,
        "matched_pending": 0,
        "stopped": None,
    }
    for unionid, openid in due:
        if stats["asked"] >= budget:
            stats["stopped"] = "budget"
            break
        before = known.get((unionid, openid))
        row = {
            "unionid": unionid,
            "openid": openid,
            "external_userid": None,
            "pending_id": None,
            "pending_on": None,
            "linked_on": None,
            "first_checked_on": before["first_checked_on"] if before else today,
            "checked_on": today,
            "rejected_reason": None,
        }
        try:
            answer = client.unionid_to_external_userid(unionid, openid)
        except WeComError as error:
            if error.errcode in QUOTA_ERRORS:  # the quota is spent: stop, the rest waits
                log.warning("idconvert: %s, stopping", error)
                stats["stopped"] = _stop_reason(error)
                break
            if error.errcode not in PER_PAIR_ERRORS:
                stats["left_for_later"] = len(due) - stats["asked"]
                raise ConversionFailed(error, [links[k] for k in sorted(links)], stats) from None
            stats["asked"] += 1  # this pair is refused; the rest goes on
            stats["rejected"] += 1
            links[unionid, openid] = {**row, "rejected_reason": f"WeCom errcode {error.errcode}"}
            continue
        stats["asked"] += 1
        external_userid = answer.get("external_userid") or None
        pending_id = answer.get("pending_id") or None
        stats["linked" if external_userid else "pending"] += 1
        links[unionid, openid] = {
            **row,
            "external_userid": external_userid,
            "pending_id": pending_id,
            "pending_on": today if pending_id else None,
            "linked_on": today if external_userid else None,
        }
    stats["left_for_later"] = len(due) - stats["asked"]
    try:
        stats["matched_pending"] = _match_pending(client, links, contacts, today)
    except WeComError as error:  # the conversions asked so far still land
        if error.errcode not in QUOTA_ERRORS:
            raise ConversionFailed(error, [links[k] for k in sorted(links)], stats) from None
        stats["stopped"] = f"{_stop_reason(error)} while matching pending_ids"
    return [links[k] for k in sorted(links)], stats


def _stop_reason(error: WeComError) -> str:
    """What stopped the run, for its manifest and summary: Siyu's own hour budget (kept across runs
    in the call ledger, nothing sent past it) or WeCom's answer."""
    if isinstance(error, BudgetSpent):
        at = dt.datetime.fromtimestamp(error.resets_at, BEIJING).isoformat(timespec="minutes")
        spent = f"{error.used} of {error.budget} calls of {error.endpoint}"
        return f"budget ({error.window}: {spent}; resets {at})"
    return f"quota (errcode {error.errcode})"


def _match_pending(client: WeComClient, links: dict, contacts: list[str], today: dt.date) -> int:
    """Contacts that became customers after their user was converted: their pending_id says who.
    WeCom answers only for pending_ids of the last 90 days, so older ones are not asked about."""
    by_pending = {
        r["pending_id"]: k
        for k, r in links.items()
        if r["pending_id"]
        and not r["external_userid"]
        and (r.get("pending_on") or r["checked_on"]) + PENDING_LIFETIME > today
    }
    linked = {r["external_userid"] for r in links.values() if r["external_userid"]}
    unmatched = [c for c in contacts if c not in linked] if by_pending else []
    matched = 0
    for start in range(0, len(unmatched), PENDING_BATCH):
        for hit in client.external_userid_to_pending_id(unmatched[start : start + PENDING_BATCH]):
            key = by_pending.get(hit.get("pending_id"))
            if key is not None:
                links[key] = {
                    **links[key],
                    "external_userid": hit["external_userid"],
                    "linked_on": today,
                    "checked_on": today,
                }
                matched += 1
    return matched


def land_unionid_links(
    client: WeComClient,
    lake: Lake,
    logical_date: str,
    budget: int = DAILY_CALLS,
    monthly: int = MONTHLY_CALLS,
    today: dt.date | None = None,
) -> Manifest:
    """``budget`` / ``monthly``: calls a real day / month may ask, whatever dates the runs are for;
    ``today``: that real day (default: today in Beijing, where WeCom's quotas reset)."""
    lake.recover(*ENTITY)
    today = today or dt.datetime.now(BEIJING).date()
    pairs, known = mini_program_pairs(lake, logical_date), previous_links(lake, logical_date)
    contacts = contacts_without_unionid(lake, logical_date)
    used_today, used_month = quota_used(lake, logical_date, today)
    budget = max(0, min(budget - used_today, monthly - used_month))
    try:
        rows, stats = convert(client, pairs, contacts, known, logical_date, budget)
    except ConversionFailed as failure:  # land what was converted, then fail the task
        stats = {**failure.stats, "stopped": f"errcode {failure.errcode}", "asked_on": today.isoformat()}
        _write(lake, logical_date, failure.rows, stats)
        raise
    stats["asked_on"] = today.isoformat()
    log.info("wecom.unionid_links %s: %s", logical_date, stats)
    return _write(lake, logical_date, rows, stats)


def _write(lake: Lake, logical_date: str, rows: list[dict], stats: dict) -> Manifest:
    schema = raw_schema(*ENTITY)
    table = pa.Table.from_pylist([{f.name: r.get(f.name) for f in schema} for r in rows], schema=schema)
    return lake.write(Partition(*ENTITY, logical_date), table, {"kind": "cumulative_snapshot", **stats})
