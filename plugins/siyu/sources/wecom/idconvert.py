"""WeCom ID conversion → lake: which external contact each mini-program user is.

A contact's detail may hide its unionid (the corp's Open Platform binding, the app's kind), so the
mini-program user and the WeCom contact of one person would stay apart. WeCom's ID conversion
answers the question the other way round, in the two steps its documentation recommends:

1. ``idconvert/unionid_to_external_userid``: each mini-program user's (unionid, openid), asked once,
   gives the corp's external_userid, or a ``pending_id`` while the WeChat user is not a customer;
2. ``idconvert/batch/external_userid_to_pending_id``: the day's contacts still unmatched (and without
   a unionid of their own) give back the pending_id of a user converted before they became a customer.

Each date lands a cumulative snapshot (``wecom.unionid_links``): every pair asked so far, with its
external_userid once known (``linked_on``: the date it was), or the reason WeCom refused it (asked
again a week later). Conversions stop at a daily budget under WeCom's quota (480,000 a day per
corp); what it leaves is asked on a later day (WeCom wants them driven by users' visits, not bulk
jobs: a first run over an existing user base is a backfill, spread over days by the budget). The
pairs come from the mini-program users landed up to this date and the contacts from this date's
WeCom snapshot, so it runs after both (siyu_ingest_idconvert).
"""

from __future__ import annotations

import datetime as dt
import logging

import pyarrow as pa

from siyu.contracts import raw_schema
from siyu.lake import Lake, Manifest, Partition
from siyu.sources.wecom.client import WeComClient, WeComError

log = logging.getLogger(__name__)

DAILY_CALLS = 400_000
RETRY_REJECTED_AFTER = dt.timedelta(days=7)  # a refused pair is asked again a week later
PENDING_BATCH = 100  # external_userid_to_pending_id takes at most 100 ids a call
ENTITY = ("wecom", "unionid_links")


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


def convert(
    client: WeComClient,
    pairs: list[tuple[str, str]],
    contacts: list[str],
    known: dict[tuple[str, str], dict],
    logical_date: str,
    budget: int = DAILY_CALLS,
) -> tuple[list[dict], dict[str, int]]:
    today = dt.date.fromisoformat(logical_date)
    links = dict(known)
    due = [p for p in pairs if p not in known or _retry_due(known[p], today)]
    asking = due[:budget]
    stats = {"pairs": len(pairs), "asked": len(asking), "linked": 0, "pending": 0, "rejected": 0,
             "left_for_later": len(due) - len(asking), "matched_pending": 0}
    for unionid, openid in asking:
        first_checked = known[unionid, openid]["first_checked_on"] if (unionid, openid) in known else today
        row = {"unionid": unionid, "openid": openid, "external_userid": None, "pending_id": None,
               "linked_on": None, "first_checked_on": first_checked, "checked_on": today,
               "rejected_reason": None}
        try:
            answer = client.unionid_to_external_userid(unionid, openid)
        except WeComError as e:  # a pair WeCom refuses: kept with the reason, the rest goes on
            log.warning("idconvert refused a pair: errcode %s", e.errcode)
            stats["rejected"] += 1
            links[unionid, openid] = {**row, "rejected_reason": f"WeCom errcode {e.errcode}"}
            continue
        info = answer.get("external_userid_info") or []
        external_userid = info[0]["external_userid"] if info else None
        stats["linked" if external_userid else "pending"] += 1
        links[unionid, openid] = {
            **row,
            "external_userid": external_userid,
            "pending_id": None if external_userid else answer.get("pending_id"),
            "linked_on": today if external_userid else None,
        }
    # Contacts that became customers after their user was converted: their pending_id says who.
    by_pending = {r["pending_id"]: k for k, r in links.items()
                  if r["pending_id"] and not r["external_userid"]}
    linked = {r["external_userid"] for r in links.values() if r["external_userid"]}
    unmatched = [c for c in contacts if c not in linked] if by_pending else []
    for start in range(0, len(unmatched), PENDING_BATCH):
        for hit in client.external_userid_to_pending_id(unmatched[start : start + PENDING_BATCH]):
            key = by_pending.get(hit.get("pending_id"))
            if key is not None:
                links[key] = {**links[key], "external_userid": hit["external_userid"], "linked_on": today,
                              "checked_on": today}
                stats["matched_pending"] += 1
    return [links[k] for k in sorted(links)], stats


def _retry_due(link: dict, today: dt.date) -> bool:
    return bool(link.get("rejected_reason")) and link["checked_on"] + RETRY_REJECTED_AFTER <= today


def land_unionid_links(
    client: WeComClient, lake: Lake, logical_date: str, budget: int = DAILY_CALLS
) -> Manifest:
    lake.recover(*ENTITY)
    pairs, known = mini_program_pairs(lake, logical_date), previous_links(lake, logical_date)
    contacts = contacts_without_unionid(lake, logical_date)
    rows, stats = convert(client, pairs, contacts, known, logical_date, budget)
    log.info("wecom.unionid_links %s: %s", logical_date, stats)
    schema = raw_schema(*ENTITY)
    table = pa.Table.from_pylist([{f.name: r.get(f.name) for f in schema} for r in rows], schema=schema)
    return lake.write(Partition(*ENTITY, logical_date), table, {"kind": "cumulative_snapshot", **stats})
