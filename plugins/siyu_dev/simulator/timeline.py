"""The simulated corp as WeCom would have shown it at an earlier moment.

The served state is the corp at the end of the simulated window; its ``history`` keeps what the
final state no longer shows: relations that ended when a staff member resigned, contacts deleted by
every staff member, and when staff left. ``state_at`` replays them, so daily snapshots of earlier
dates can be landed exactly as a pipeline running every day would have seen them.
"""

from __future__ import annotations

import datetime as dt

DAY_SECONDS = 86400


def run_moment(day: dt.date) -> dt.datetime:
    """When the daily run of `day` reads its sources: the end of its data interval (midnight China time)."""
    from siyu.run_context import day_end_utc

    return day_end_utc(day).replace(tzinfo=dt.UTC)


def as_epoch(moment: dt.datetime | int) -> int:
    return moment if isinstance(moment, int) else int(moment.timestamp())


def state_at(state: dict, moment: dt.datetime | int) -> dict:
    """A copy of `state` as of `moment`: relations made later are hidden, ended and deleted ones
    still present, groups and members not yet created or joined are hidden, and staff behaviour
    only for the days that had ended by then (a day's row is complete at the end of that day)."""
    at = as_epoch(moment)
    history = state.get("history", {})
    contacts: dict[str, dict] = {}

    def add(external_contact: dict, follow: dict) -> None:
        if follow["createtime"] > at:
            return
        entry = contacts.setdefault(
            external_contact["external_userid"], {"external_contact": external_contact, "follow_user": []}
        )
        entry["follow_user"].append({**follow, "tag_id": list(follow.get("tag_id", []))})

    externals = {c["external_contact"]["external_userid"]: c["external_contact"] for c in state["contacts"]}
    for contact in state["contacts"]:
        for follow in contact["follow_user"]:
            add(contact["external_contact"], follow)
    for gone in history.get("deleted_contacts", []):
        external = gone["contact"]["external_contact"]
        externals.setdefault(external["external_userid"], external)
        if at < gone["deleted_at"]:
            for follow in gone["contact"]["follow_user"]:
                add(external, follow)
    for ended in history.get("ended_follows", []):
        if at < ended["until"]:
            add(externals[ended["external_userid"]], ended["follow"])

    still_there = sorted(u for u, left in history.get("staff_left", {}).items() if left > at)
    chats = [
        {**chat, "member_list": [m for m in chat["member_list"] if m["join_time"] <= at]}
        for chat in state["group_chats"]
        if chat["create_time"] <= at
    ]
    return {
        **state,
        "follow_user_list": state["follow_user_list"] + still_there,
        "contacts": [c for c in contacts.values() if c["follow_user"]],
        "group_chats": chats,
        "behavior": {
            userid: [row for row in rows if row["stat_time"] + DAY_SECONDS <= at]
            for userid, rows in state["behavior"].items()
        },
    }


def _order_at(order: dict, moment: dt.datetime) -> dict:
    """An order's row as it stood at `moment`: paid if it was paid by then, else still created."""
    if order["updated_at"] < moment:
        return order
    if order["paid_at"] is not None and order["paid_at"] < moment:
        return {**order, "status": "paid", "updated_at": order["paid_at"]}
    unpaid = {"status": "created", "paid_at": None, "pay_method": None}
    return {**order, **unpaid, "updated_at": order["created_at"]}


def appdb_rows_at(rows: dict[str, list[dict]], moment: dt.datetime) -> dict[str, list[dict]]:
    """The app DB's rows as they stood at `moment` (naive UTC, like the rows): later rows are absent,
    a user who authorised a phone later has none yet, an order is at the status it had then."""
    users = [
        u if u["updated_at"] < moment else {**u, "phone": None, "updated_at": u["created_at"]}
        for u in rows["mp_users"]
        if u["created_at"] < moment
    ]
    orders = [_order_at(o, moment) for o in rows["orders"] if o["created_at"] < moment]
    known = {o["order_id"] for o in orders}
    return {
        "mp_users": users,
        "orders": orders,
        "order_items": [i for i in rows["order_items"] if i["order_id"] in known],
        "refunds": [r for r in rows["refunds"] if r["created_at"] < moment],
        "advisor_codes": [a for a in rows.get("advisor_codes", []) if a["created_at"] < moment],
        # a commission follows its order: pending until the order's later change
        "commissions": [
            c if c["updated_at"] < moment else {**c, "status": "pending", "updated_at": c["created_at"]}
            for c in rows.get("commissions", [])
            if c["created_at"] < moment
        ],
        "consent_events": [e for e in rows.get("consent_events", []) if e["occurred_at"] < moment],
    }
