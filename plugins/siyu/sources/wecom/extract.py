"""WeCom → lake: full daily snapshots of contacts, follow users, groups, tags, contact ways, and staff stats.

Everything is fetched first and written after, so an API failure half-way leaves the previous
partitions untouched rather than a mix. Rows are sorted by key before writing: the same API answers
give byte-identical partitions. Remark mobiles are pseudonymised here, before anything lands.
"""

from __future__ import annotations

import datetime as dt
import logging

import pyarrow as pa

from siyu.contracts import raw_schema
from siyu.lake import Lake, Manifest, Partition
from siyu.privacy import phone_hash
from siyu.sources.wecom.client import WeComClient

log = logging.getLogger(__name__)

BEIJING = dt.timezone(dt.timedelta(hours=8))
BEHAVIOR_DAYS = 30  # the API allows 30 days a call; WeCom revises recent days, so re-fetch a month


def _ts(epoch: int | None) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(epoch, dt.UTC) if epoch else None


def _tag_index(groups: list[dict]) -> dict[str, dict]:
    return {
        tag["id"]: {"group_name": g["group_name"], "tag_name": tag["name"], "type": 1, "tag_id": tag["id"]}
        for g in groups
        for tag in g.get("tag", [])
    }


def contact_rows(items, tags: dict[str, dict], pii_key: bytes) -> tuple[list[dict], list[dict]]:
    contacts: dict[str, dict] = {}
    follows: dict[tuple[str, str], dict] = {}
    for item in items:
        ext, info = item["external_contact"], item["follow_info"]
        euid = ext["external_userid"]
        contacts[euid] = {
            "external_userid": euid,
            "type": ext.get("type"),
            "gender": ext.get("gender"),
            "unionid": ext.get("unionid") or None,
            "corp_name": ext.get("corp_name") or None,
        }
        follows[euid, info["userid"]] = {
            "external_userid": euid,
            "userid": info["userid"],
            "remark": info.get("remark") or None,
            "description": info.get("description") or None,
            "createtime": _ts(info.get("createtime")),
            # A tag deleted from the library since it was applied has no name left: keep its id.
            "tags": [
                tags.get(t, {"group_name": None, "tag_name": None, "type": 1, "tag_id": t})
                for t in info.get("tag_id", [])
            ],
            "remark_mobile_hashes": sorted(
                {h for m in info.get("remark_mobiles", []) if (h := phone_hash(m, pii_key))}
            ),
            "add_way": info.get("add_way"),
            "state": info.get("state") or None,
            "oper_userid": info.get("oper_userid") or None,
        }
    return [contacts[k] for k in sorted(contacts)], [follows[k] for k in sorted(follows)]


def group_rows(chats: list[dict]) -> tuple[list[dict], list[dict]]:
    groups, members = [], []
    for chat in sorted(chats, key=lambda c: c["chat_id"]):
        groups.append(
            {
                "chat_id": chat["chat_id"],
                "name": chat.get("name") or None,
                "owner": chat.get("owner"),
                "create_time": _ts(chat.get("create_time")),
                "notice": chat.get("notice") or None,
                "status": chat.get("status", 0),
                "admin_userids": sorted(a["userid"] for a in chat.get("admin_list", [])),
                "member_count": len(chat.get("member_list", [])),
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
                }
            )
    return groups, members


def corp_tag_rows(groups: list[dict]) -> list[dict]:
    rows = [
        {
            "group_id": g["group_id"],
            "group_name": g["group_name"],
            "tag_id": t["id"],
            "tag_name": t["name"],
            "create_time": _ts(t.get("create_time")),
            "order": t.get("order"),
            "deleted": bool(t.get("deleted", False)),
        }
        for g in groups
        for t in g.get("tag", [])
    ]
    return sorted(rows, key=lambda r: r["tag_id"])


def contact_way_rows(ways: list[dict]) -> list[dict]:
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


def fetch_snapshot(client: WeComClient, logical_date: str, pii_key: bytes) -> dict[str, list[dict]]:
    """Every WeCom entity for one date, in memory (a corp's contacts fit: WeCom caps them per staff)."""
    tag_groups = client.corp_tags()
    staff = client.follow_users()
    contacts, follows = contact_rows(client.iter_contacts(staff), _tag_index(tag_groups), pii_key)
    groups, members = group_rows([client.group_chat(c) for c in client.group_chat_ids()])
    return {
        "external_contacts": contacts,
        "follow_users": follows,
        "group_chats": groups,
        "group_members": members,
        "corp_tags": corp_tag_rows(tag_groups),
        "contact_ways": contact_way_rows([client.contact_way(c) for c in client.contact_way_ids()]),
        "user_behavior": behavior_rows(client, staff, logical_date),
    }


def write_snapshot(lake: Lake, logical_date: str, snapshot: dict[str, list[dict]]) -> dict[str, Manifest]:
    # Every entity is converted before any is written: a conversion error leaves the lake as the
    # previous run left it, never half of this snapshot beside half of the last one.
    tables = {}
    for entity, rows in snapshot.items():
        schema = raw_schema("wecom", entity)
        tables[entity] = pa.Table.from_pylist([{f.name: r.get(f.name) for f in schema} for r in rows],
                                              schema=schema)
    manifests = {}
    for entity, table in tables.items():
        manifests[entity] = lake.write(
            Partition("wecom", entity, logical_date), table, {"kind": "full_snapshot"}
        )
        log.info("wecom.%s %s: %d rows", entity, logical_date, table.num_rows)
    return manifests


def land_wecom(client: WeComClient, lake: Lake, logical_date: str, pii_key: bytes) -> dict[str, Manifest]:
    lake.recover("wecom")
    return write_snapshot(lake, logical_date, fetch_snapshot(client, logical_date, pii_key))
