"""Schemas of the raw lake entities: the contract between extraction, GX suites and dbt sources.

Timestamps are UTC instants (``timestamp[us, tz=UTC]``); the warehouse works in Asia/Shanghai days.
Phone numbers only ever appear as HMAC pseudonyms (``*_phone_hash``, see ``siyu.privacy``).
"""

from __future__ import annotations

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")
MONEY = pa.decimal128(12, 2)

WECOM_TAG = pa.struct(
    [("group_name", pa.string()), ("tag_name", pa.string()), ("type", pa.int8()), ("tag_id", pa.string())]
)

RAW: dict[tuple[str, str], pa.Schema] = {
    # One row per external contact (customer) of the corp. unionid is absent when the corp is not
    # bound to the brand's Open Platform account, or the contact is a WeCom user (type 2).
    ("wecom", "external_contacts"): pa.schema(
        [
            ("external_userid", pa.string()),
            ("type", pa.int8()),
            ("gender", pa.int8()),
            ("unionid", pa.string()),
            ("corp_name", pa.string()),
        ]
    ),
    # One row per (external contact, staff member who added them): the follow_user relation.
    ("wecom", "follow_users"): pa.schema(
        [
            ("external_userid", pa.string()),
            ("userid", pa.string()),
            ("remark", pa.string()),
            ("description", pa.string()),
            ("createtime", TS),
            ("tags", pa.list_(WECOM_TAG)),
            ("remark_mobile_hashes", pa.list_(pa.string())),
            ("add_way", pa.int32()),
            ("state", pa.string()),
            ("oper_userid", pa.string()),
        ]
    ),
    ("appdb", "mp_users"): pa.schema(
        [
            ("openid", pa.string()),
            ("unionid", pa.string()),
            ("phone_hash", pa.string()),
            ("first_scene", pa.int32()),
            ("inviter_openid", pa.string()),
            ("created_at", TS),
            ("updated_at", TS),
        ]
    ),
    ("appdb", "orders"): pa.schema(
        [
            ("order_id", pa.string()),
            ("openid", pa.string()),
            ("status", pa.string()),
            ("amount", MONEY),
            ("pay_method", pa.string()),
            ("receiver_phone_hash", pa.string()),
            ("province", pa.string()),
            ("city", pa.string()),
            ("paid_at", TS),
            ("created_at", TS),
            ("updated_at", TS),
        ]
    ),
    # Mini-program tracking events, de-duplicated on event_id, landed by arrival date.
    ("tracking", "events"): pa.schema(
        [
            ("event_id", pa.string()),
            ("openid", pa.string()),
            ("unionid", pa.string()),
            ("event", pa.string()),
            ("ts", TS),
            ("page", pa.string()),
            ("item_id", pa.string()),
            ("scene", pa.int32()),
            ("props", pa.string()),  # JSON object as text: its keys vary by event
            ("source_file", pa.string()),
        ]
    ),
    # Lines (or whole files) that could not be read as events, with the reason: nothing is dropped silently.
    ("tracking", "events_quarantine"): pa.schema(
        [
            ("source_file", pa.string()),
            ("line_no", pa.int64()),
            ("reason", pa.string()),
            ("raw", pa.string()),
        ]
    ),
}

TRACKING_EVENTS = ("page_view", "product_view", "add_to_cart", "favorite", "share", "search", "login")


def raw_schema(source: str, entity: str) -> pa.Schema:
    return RAW[(source, entity)]
