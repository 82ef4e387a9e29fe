"""WeCom → lake: full daily snapshots of contacts, follow users, groups, tags, contact ways, staff stats.

Everything is fetched first and written after, so an API failure half-way leaves the previous
partitions untouched rather than a mix. Rows are sorted by key before writing: the same API answers
give byte-identical partitions. Remark mobiles are pseudonymised here, before anything lands.

A live corp changes while it is read, and its answers are not always what the docs promise. What does
not fit lands in ``wecom.landing_issues`` (entity, id, errcode, reason, detail), and the rest of the
snapshot lands: a chat dismissed or a contact way deleted between the list call and the get call (their
documented errcodes), a contact without an external_userid, two different contacts under one
external_userid, an add_way outside the documented enum (landed as null), a tag id in neither the corp
nor the strategy library (landed as an explicit unknown tag, type 0).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from dataclasses import dataclass, field

import pyarrow as pa

from siyu.contracts import raw_schema
from siyu.errors import RunError
from siyu.lake import Lake, Manifest, Partition
from siyu.privacy import phone_hash
from siyu.sources.wecom.client import WeComClient, WeComError

log = logging.getLogger(__name__)

BEIJING = dt.timezone(dt.timedelta(hours=8))
BEHAVIOR_DAYS = 30  # the API allows 30 days a call; WeCom revises recent days, so re-fetch a month
# add_way of follow_info (document/path/92114): anything else is not landed as-is
ADD_WAYS = frozenset({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 21, 22, 24, 201, 202})
# The errcodes of an id that vanished between the list call and the get call. The global errcode page
# (document/path/90313, as decoded by the go SDK zsmhub/workweixin, apis/api_error.go) gives 86003
# "参数 chatid 不存在" and 40050 "chatid不存在", and 41044 "无效的「联系我」config_id参数". No page
# says which one a *dismissed* chat or a *deleted* contact way answers, so both chat codes are taken
# as "gone"; a deleted contact way's config_id is no longer valid, so 41044 (the only config_id code
# besides 41043, "missing") is.
GONE_CHAT = frozenset({40050, 86003})
GONE_WAY = frozenset({41044})
# list_contact_way (document/path/92228; the request fields as zsmhub/workweixin,
# apis/客户联系联系我管理.go, generated them from that page): start_time "默认为90天前", end_time
# "默认为当前时间"; limit ≤1000. The page documents the 90-day *default* only, no maximum span: the
# client walks windows of at most 90 days, which is right under both readings (no cap: more calls,
# nothing lost; a 90-day cap: within it). The simulator enforces the stricter reading.
CONTACT_WAY_WINDOW = dt.timedelta(days=90)
CONTACT_WAYS_SINCE = dt.date(2021, 7, 10)  # list_contact_way knows codes created from this day on
CORP_TAG, STRATEGY_TAG, UNKNOWN_TAG = 1, 3, 0  # follow_info tag types (92114); 0: in neither library


class PastSnapshotRefused(RunError):
    """A live snapshot API answers about now, never about a past date."""


@dataclass
class Issues:
    """landing_issues rows of one snapshot."""

    rows: list[dict] = field(default_factory=list)

    def add(
        self,
        entity: str,
        id_: str | None,
        reason: str,
        errcode: int | None = None,
        detail: dict | None = None,
    ) -> None:
        text = json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None
        self.rows.append({"entity": entity, "id": id_, "errcode": errcode, "reason": reason, "detail": text})

    def sorted(self) -> list[dict]:
        return sorted(self.rows, key=lambda r: (r["entity"], r["id"] or "", r["reason"]))


def _ts(epoch: int | None) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(epoch, dt.UTC) if epoch else None


def tag_index(groups: list[dict], strategy_groups: list[dict]) -> dict[str, dict]:
    index = {}
    for kind, source in ((CORP_TAG, groups), (STRATEGY_TAG, strategy_groups)):
        for g in source:
            for tag in g.get("tag", []):
                index[tag["id"]] = {
                    "group_name": g["group_name"],
                    "tag_name": tag["name"],
                    "type": kind,
                    "tag_id": tag["id"],
                }
    return index


# What the contact's detail says, compared across pages: a different person under one id is an issue.
PERSON_FIELDS = ("type", "gender", "unionid", "corp_name", "corp_full_name", "position")


def contact_rows(
    items, tags: dict[str, dict], pii_key: bytes, issues: Issues
) -> tuple[list[dict], list[dict]]:
    contacts: dict[str, dict] = {}
    follows: dict[tuple[str, str], dict] = {}
    for item in items:
        ext, info = item.get("external_contact") or {}, item.get("follow_info") or {}
        euid = ext.get("external_userid")
        if not euid:
            issues.add(
                "external_contact",
                info.get("userid"),
                "no external_userid in the contact",
                detail={k: ext.get(k) for k in PERSON_FIELDS},
            )
            continue
        row = {
            "external_userid": euid,
            "type": ext.get("type"),
            "gender": ext.get("gender"),
            "unionid": ext.get("unionid") or None,
            "corp_name": ext.get("corp_name") or None,
            "position": ext.get("position") or None,
            "corp_full_name": ext.get("corp_full_name") or None,
            "external_profile": json.dumps(ext["external_profile"], ensure_ascii=False, sort_keys=True)
            if ext.get("external_profile")
            else None,
        }
        seen = contacts.setdefault(euid, row)
        if seen is not row and any(seen[k] != row[k] for k in PERSON_FIELDS):
            issues.add(
                "external_contact",
                euid,
                "two different contacts under one external_userid",
                detail={k: row[k] for k in PERSON_FIELDS},
            )
        userid = info.get("userid")
        add_way = info.get("add_way")
        if add_way is not None and add_way not in ADD_WAYS:
            issues.add("follow_user", f"{euid}/{userid}", f"undocumented add_way {add_way}: landed as null")
            add_way = None
        tag_ids = info.get("tag_id", [])
        for t in tag_ids:
            if t not in tags:
                issues.add("tag", t, "tag id in neither the corp nor the strategy tag library")
        channels = info.get("wechat_channels") or {}
        follows[euid, userid] = {  # type: ignore[index]  # userid is set on every follow row
            "external_userid": euid,
            "userid": userid,
            "remark": info.get("remark") or None,
            "description": info.get("description") or None,
            "createtime": _ts(info.get("createtime")),
            "tags": [
                tags.get(t, {"group_name": None, "tag_name": None, "type": UNKNOWN_TAG, "tag_id": t})
                for t in tag_ids
            ],
            "remark_mobile_hashes": sorted(
                {h for m in info.get("remark_mobiles", []) if (h := phone_hash(m, pii_key))}
            ),
            "add_way": add_way,
            "state": info.get("state") or None,
            "oper_userid": info.get("oper_userid") or None,
            "remark_corp_name": info.get("remark_corp_name") or None,
            "wechat_channels_nickname": channels.get("nickname") or None,
            "wechat_channels_source": channels.get("source"),
        }
    return [contacts[k] for k in sorted(contacts)], [follows[k] for k in sorted(follows)]


def group_rows(chats: list[tuple[dict, int]]) -> tuple[list[dict], list[dict]]:
    """(groupchat/get detail, status from groupchat/list) → chats and members."""
    groups, members = [], []
    for chat, status in sorted(chats, key=lambda c: c[0]["chat_id"]):
        groups.append(
            {
                "chat_id": chat["chat_id"],
                "name": chat.get("name") or None,
                "owner": chat.get("owner"),
                "create_time": _ts(chat.get("create_time")),
                "notice": chat.get("notice") or None,
                "status": status,
                "admin_userids": sorted(a["userid"] for a in chat.get("admin_list", [])),
                "member_count": len(chat.get("member_list", [])),
                "member_version": chat.get("member_version") or None,
            }
        )
        for m in sorted(chat.get("member_list", []), key=lambda m: m["userid"]):
            members.append(
                {
                    "chat_id": chat["chat_id"],
                    "userid": m["userid"],
                    "type": m.get("type"),
                    "unionid": m.get("unionid") or None,
                    "join_time": _ts(m.get("join_time")),
                    "join_scene": m.get("join_scene"),
                    "invitor_userid": (m.get("invitor") or {}).get("userid"),
                    "group_nickname": m.get("group_nickname") or None,
                    "name": m.get("name") or None,
                    "state": m.get("state") or None,
                }
            )
    return groups, members


def corp_tag_rows(groups: list[dict], strategy_groups: list[dict]) -> list[dict]:
    rows: dict = {}
    for kind, source in ((CORP_TAG, groups), (STRATEGY_TAG, strategy_groups)):
        for g in source:
            for t in g.get("tag", []):
                rows.setdefault(
                    t["id"],
                    {
                        "group_id": g["group_id"],
                        "group_name": g["group_name"],
                        "tag_id": t["id"],
                        "tag_name": t["name"],
                        "create_time": _ts(t.get("create_time")),
                        "order": t.get("order"),
                        "deleted": bool(t.get("deleted", False)),
                        "tag_type": kind,
                        "strategy_id": g.get("strategy_id"),
                    },
                )
    return [rows[k] for k in sorted(rows)]


def contact_way_rows(ways: list[dict], keep_qr_code: bool = False) -> list[dict]:
    return sorted(
        (
            {
                "config_id": w["config_id"],
                "type": w.get("type"),
                "scene": w.get("scene"),
                "state": w.get("state") or None,
                "remark": w.get("remark") or None,
                "users": sorted(w.get("user", [])),
                "skip_verify": w.get("skip_verify"),
                "style": w.get("style"),
                "is_temp": w.get("is_temp"),
                "expires_in": w.get("expires_in"),
                "qr_code": (w.get("qr_code") or None) if keep_qr_code else None,
            }
            for w in ways
        ),
        key=lambda r: r["config_id"],
    )


def behavior_rows(client: WeComClient, userids: list[str], logical_date: str) -> list[dict]:
    last = dt.date.fromisoformat(logical_date)
    start = dt.datetime.combine(last - dt.timedelta(days=BEHAVIOR_DAYS - 1), dt.time(), BEIJING)
    end = dt.datetime.combine(last, dt.time(), BEIJING)
    rows = []
    for userid in sorted(userids):
        for day in client.user_behavior(userid, int(start.timestamp()), int(end.timestamp())):
            rows.append(
                {
                    "userid": userid,
                    "stat_date": dt.datetime.fromtimestamp(day["stat_time"], BEIJING).date(),
                    **{
                        k: day.get(k)
                        for k in (
                            "chat_cnt",
                            "message_cnt",
                            "reply_percentage",
                            "avg_reply_time",
                            "negative_feedback_cnt",
                            "new_apply_cnt",
                            "new_contact_cnt",
                        )
                    },
                }
            )
    return rows


def _gone(fetch, ids: list, gone: frozenset[int], entity: str, issues: Issues) -> list:
    """get each listed id; one that vanished since the list (its documented errcode) is recorded."""
    out = []
    for id_ in ids:
        try:
            out.append(fetch(id_))
        except WeComError as error:
            if error.errcode not in gone:
                raise
            issues.add(entity, id_, "gone between the list and the get call", errcode=error.errcode)
    return out


def contact_way_ids(client: WeComClient, since: dt.date, now: float) -> list[str]:
    """Every contact way from ``since``: list_contact_way window by window, walking back from now."""
    ids: dict[str, None] = {}
    end = int(now)
    first = int(dt.datetime.combine(since, dt.time(), BEIJING).timestamp())
    while end > first:
        start = max(first, end - int(CONTACT_WAY_WINDOW.total_seconds()))
        ids.update(dict.fromkeys(client.contact_way_ids(start, end)))
        end = start - 1
    return sorted(ids)


def previous(lake: Lake | None, entity: str, logical_date: str, column: str) -> set:
    """A column's values in the latest earlier snapshot of an entity (the ids the warehouse holds)."""
    if lake is None:
        return set()
    days = [d for d in lake.partitions("wecom", entity) if d < logical_date]
    if not days:
        return set()
    table = lake.read(Partition("wecom", entity, days[-1]))
    return set(table.column(column).to_pylist()) - {None} if column in table.column_names else set()


def fetch_snapshot(
    client: WeComClient,
    logical_date: str,
    pii_key: bytes,
    lake: Lake | None = None,
    contact_ways_since: dt.date = CONTACT_WAYS_SINCE,
    keep_qr_code: bool = False,
) -> dict[str, list[dict]]:
    """Every WeCom entity for one date, in memory (a corp's contacts fit: WeCom caps them per staff)."""
    issues = Issues()
    staff = client.follow_users()
    unassigned = client.unassigned()
    items = list(client.iter_contacts(staff))
    live_groups, strategy_groups = client.corp_tags(), client.strategy_tags()
    tags = tag_index(live_groups, strategy_groups)
    # deleted is answered only when asked by id: ask for the ids the warehouse holds that are not live
    held = previous(lake, "corp_tags", logical_date, "tag_id")
    held |= {t for i in items for t in (i.get("follow_info") or {}).get("tag_id", [])}
    missing = sorted(held - set(tags))
    asked = client.corp_tags(missing) if missing else []
    tag_groups = live_groups + asked
    tags = tag_index(tag_groups, strategy_groups)
    contacts, follows = contact_rows(items, tags, pii_key, issues)
    # chats whose owner resigned are listed only with owner_filter: every staff member ever seen
    owners = set(staff) | {u["handover_userid"] for u in unassigned}
    owners |= previous(lake, "group_chats", logical_date, "owner")
    owners |= previous(lake, "follow_users", logical_date, "userid")
    listed = client.group_chat_list(sorted(owners))
    status = {c["chat_id"]: c.get("status", 0) for c in listed}
    chats = _gone(client.group_chat, [c["chat_id"] for c in listed], GONE_CHAT, "group_chat", issues)
    groups, members = group_rows([(c, status[c["chat_id"]]) for c in chats])
    way_ids = contact_way_ids(client, contact_ways_since, time.time())
    ways = _gone(client.contact_way, way_ids, GONE_WAY, "contact_way", issues)
    return {
        "external_contacts": contacts,
        "follow_users": follows,
        "group_chats": groups,
        "group_members": members,
        "corp_tags": corp_tag_rows(tag_groups, strategy_groups),
        "contact_ways": contact_way_rows(ways, keep_qr_code),
        "user_behavior": behavior_rows(client, staff, logical_date),
        "unassigned_contacts": unassigned_rows(unassigned),
        "landing_issues": issues.sorted(),
    }


def unassigned_rows(info: list[dict]) -> list[dict]:
    """Customers of resigned staff awaiting transfer: not lost, waiting for a new owner."""
    rows = {
        (u["handover_userid"], u["external_userid"]): {
            "handover_userid": u["handover_userid"],
            "external_userid": u["external_userid"],
            "dimission_time": _ts(u.get("dimission_time")),
        }
        for u in info
    }
    return [rows[k] for k in sorted(rows)]


def write_snapshot(lake: Lake, logical_date: str, snapshot: dict[str, list[dict]]) -> dict[str, Manifest]:
    # Every entity is converted before any is written: a conversion error leaves the lake as the
    # previous run left it, never half of this snapshot beside half of the last one.
    tables = {}
    for entity, rows in snapshot.items():
        schema = raw_schema("wecom", entity)
        tables[entity] = pa.Table.from_pylist(
            [{f.name: r.get(f.name) for f in schema} for r in rows], schema=schema
        )
    manifests = {}
    for entity, table in tables.items():
        manifests[entity] = lake.write(
            Partition("wecom", entity, logical_date), table, {"kind": "full_snapshot"}
        )
        log.info("wecom.%s %s: %d rows", entity, logical_date, table.num_rows)
    return manifests


def refuse_past_date(logical_date: str, today: dt.date | None = None) -> None:
    """A live corp is read as it is now: a snapshot dated more than a day back would be today's data
    under a past date. A backfill rebuilds the warehouse from the lake's partitions instead."""
    today = today or dt.datetime.now(dt.UTC).date()
    if dt.date.fromisoformat(logical_date) < today - dt.timedelta(days=1):
        raise PastSnapshotRefused(
            f"siyu_ingest_wecom for {logical_date}: WeCom's APIs answer about now, not about {logical_date}."
            " A past date cannot be snapshotted from a live corp; rebuild the warehouse for that date from"
            " the lake's partitions instead (see README, 'Backfills')."
        )


def land_wecom(
    client: WeComClient, lake: Lake, logical_date: str, pii_key: bytes, live: bool = False, **options
) -> dict[str, Manifest]:
    """``live``: a real corp (no "as of"), so a past date is refused."""
    if live:
        refuse_past_date(logical_date)
    lake.recover("wecom")
    snapshot = fetch_snapshot(client, logical_date, pii_key, lake, **options)
    if snapshot["landing_issues"]:
        log.warning(
            "wecom %s: %d landing issues (wecom.landing_issues)",
            logical_date,
            len(snapshot["landing_issues"]),
        )
    return write_snapshot(lake, logical_date, snapshot)
