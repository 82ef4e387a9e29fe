"""The hand-made lake of tests/dbt/test_operations.py (its docstring tells the story: three WeCom
snapshots 03-01, 03-10, 03-31 = run date; the app DB and tracking land on the run date), shared with
the snapshot history tests."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from tests.dbt.conftest import contact, mp_user, order, ts

S1, S2, RUN = "2026-03-01", "2026-03-10", "2026-03-31"


def follow(euid: str, staff: str, added: str, add_way: int = 1) -> dict:
    return {
        "external_userid": euid,
        "userid": staff,
        "createtime": ts(f"{added}T02:00:00"),
        "tags": [],
        "add_way": add_way,
        "state": None,
    }


A, B, C3 = (
    follow("e_a", "s1", "2026-02-20"),
    follow("e_b", "s1", "2026-02-25"),
    follow("e_c", "s3", "2026-02-20"),
)
C1, D, I_ = (
    follow("e_c", "s1", "2026-03-05", 202),
    follow("e_d", "s2", "2026-03-12"),
    follow("e_i", "s1", "2026-02-21"),
)
FOLLOWS = {S1: [A, B, C3, I_], S2: [A, C1], RUN: [A, C1, D]}


def user(p: str, created: str, inviter: str | None = None) -> dict:
    row = mp_user(f"o_{p}", f"u_{p}" if p in "abcdi" else None, f"{created}T02:00:00")
    return {**row, "inviter_openid": inviter}


def event(n: int, p: str, day: str, name: str = "page_view", sharer: str | None = None, **share) -> dict:
    props = json.dumps({"sharer_openid": sharer} | share if sharer else share) if sharer or share else None
    return {
        "event_id": f"ev{n}",
        "openid": f"o_{p}",
        "event": name,
        "ts": ts(f"{day}T02:00:00"),
        "props": props,
        "source_file": f"c1/{day}/02.jsonl",
    }


def paid(order_id: str, p: str, day: str, amount: str) -> dict:
    row = order(order_id, f"o_{p}", "completed", amount, f"{day}T02:00:00", f"{day}T02:00:00")
    return {**row, "created_at": ts(f"{day}T01:50:00")}


def commission(cid: str, order_id: str, p: str, channel: str, amount: str, status: str, day: str) -> dict:
    at = ts(f"{day}T02:00:00")
    return {"commission_id": cid, "order_id": order_id, "promoter_openid": f"o_{p}", "channel": channel,
            "rate": Decimal("0.1"), "amount": Decimal(amount), "status": status, "created_at": at,
            "updated_at": at}  # fmt: skip


def member(chat: str, p: str, scene: int = 3, invitor: str | None = None) -> dict:
    return {
        "chat_id": chat,
        "userid": f"e_{p}",
        "type": 2,
        "unionid": f"u_{p}",
        "join_time": ts("2026-02-26T02:00:00"),
        "join_scene": scene,
        "invitor_userid": invitor,
    }


def lake_rows(day: str) -> dict:
    rows = {
        ("wecom", "follow_users"): FOLLOWS[day],
        ("wecom", "external_contacts"): [
            contact(f["external_userid"], "u_" + f["external_userid"][2:]) for f in FOLLOWS[day]
        ],
    }
    if day != RUN:
        return rows
    return rows | {
        ("appdb", "mp_users"): [
            user("a", "2026-02-20"),
            user("i", "2026-02-21"),
            user("e", "2026-02-20", "o_a"),
            user("f", "2026-03-02"),
            user("g", "2026-03-03", "o_a"),
            user("h", "2026-03-04", "o_a"),
            user("j", "2026-03-05", "o_e"),
            user("k", "2026-03-06", "o_j"),
        ],
        ("appdb", "orders"): [
            paid("o1", "a", "2026-02-22", "100.00"),
            paid("o2", "a", "2026-03-15", "200.00"),
            paid("o3", "e", "2026-03-20", "50.00"),
            paid("o4", "g", "2026-03-25", "30.00"),
            paid("o5", "e", "2026-03-22", "40.00"),
            paid("o6", "k", "2026-03-26", "60.00"),
        ],
        ("appdb", "commissions"): [
            commission("c4", "o4", "a", "link", "3.00", "settled", "2026-03-25"),
            commission("c6", "o6", "e", "code", "6.00", "pending", "2026-03-26"),
        ],
        ("appdb", "refunds"): [
            {
                "refund_id": "r5",
                "order_id": "o5",
                "amount": Decimal("10.00"),
                "reason": "过敏",
                "created_at": ts("2026-03-23T02:00:00"),
                "updated_at": ts("2026-03-23T02:00:00"),
            },
        ],
        ("tracking", "events"): [
            event(1, "e", "2026-02-21"),
            event(2, "f", "2026-03-02", sharer="o_a", share_id="sh1"),
            event(3, "a", "2026-03-15"),
            event(4, "i", "2026-03-25"),
            event(5, "a", "2026-03-15", "share", share_id="sh1", share_target="group"),
        ],
        ("wecom", "group_chats"): [
            {
                "chat_id": "g1",
                "name": "VIP",
                "owner": "s1",
                "create_time": ts("2026-02-26T00:00:00"),
                "status": 0,
            },
            {
                "chat_id": "g2",
                "name": "All",
                "owner": "s1",
                "create_time": ts("2026-02-26T00:00:00"),
                "status": 0,
            },
        ],
        ("wecom", "group_members"): [
            *(member("g1", p) for p in "ac"),
            member("g1", "b", scene=1, invitor="s1"),
            *(member("g2", p) for p in "abci"),
        ],
        ("wecom", "user_behavior"): [
            {
                "userid": "s1",
                "stat_date": dt.date(2026, 3, 31),
                "chat_cnt": 10,
                "message_cnt": 40,
                "reply_percentage": 75.0,
                "avg_reply_time": 12,
                "negative_feedback_cnt": 1,
                "new_apply_cnt": 0,
                "new_contact_cnt": 0,
            },
        ],
    }
