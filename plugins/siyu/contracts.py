"""Schemas of the raw lake entities: the contract between extraction, GX suites and dbt sources.

Timestamps are UTC instants (``timestamp[us, tz=UTC]``); the warehouse works in Asia/Shanghai days.
Phone numbers only ever appear as HMAC pseudonyms (``*_phone_hash``, see ``siyu.privacy``).
"""

from __future__ import annotations

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")
MONEY = pa.decimal128(12, 2)

# A tag on a follow: type 1 the corp library's, 3 a rule group's (document/path/92114), 0 an id in
# neither library (its name unknown; wecom.landing_issues says so).
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
            # a WeCom user's (type 2) position and full company name; external_profile as JSON text
            ("position", pa.string()),
            ("corp_full_name", pa.string()),
            ("external_profile", pa.string()),
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
            ("remark_corp_name", pa.string()),
            # the WeChat Channels account a contact was added from (add_way 10)
            ("wechat_channels_nickname", pa.string()),
            ("wechat_channels_source", pa.int8()),
        ]
    ),
    # Customer groups (客户群) from groupchat/list + groupchat/get, a full snapshot per date.
    # status: 0 normal, 1 resigned owner awaiting inheritance, 2 inheriting, 3 inherited.
    ("wecom", "group_chats"): pa.schema(
        [
            ("chat_id", pa.string()),
            ("name", pa.string()),
            ("owner", pa.string()),
            ("create_time", TS),
            ("notice", pa.string()),
            ("status", pa.int8()),
            ("admin_userids", pa.list_(pa.string())),
            ("member_count", pa.int32()),
            ("member_version", pa.string()),  # changes whenever the member list does
        ]
    ),
    # One row per (group, member). type 1: a staff member (userid), 2: an external contact
    # (userid is then the external_userid). unionid only for external WeChat members of a bound corp.
    # join_scene 1: invited directly, 2: by link, 3: by QR code. invitor_userid: the staff who invited.
    ("wecom", "group_members"): pa.schema(
        [
            ("chat_id", pa.string()),
            ("userid", pa.string()),
            ("type", pa.int8()),
            ("unionid", pa.string()),
            ("join_time", TS),
            ("join_scene", pa.int8()),
            ("invitor_userid", pa.string()),
            ("group_nickname", pa.string()),
            ("name", pa.string()),
            ("state", pa.string()),  # the join-by-QR channel (the contact way's state) that brought them
        ]
    ),
    # The corp's tag library (get_corp_tag_list), one row per tag.
    ("wecom", "corp_tags"): pa.schema(
        [
            ("group_id", pa.string()),
            ("group_name", pa.string()),
            ("tag_id", pa.string()),
            ("tag_name", pa.string()),
            ("create_time", TS),
            ("order", pa.int64()),
            ("deleted", pa.bool_()),
            # 1: the corp library (get_corp_tag_list), 3: a rule group's (get_strategy_tag_list)
            ("tag_type", pa.int8()),
            ("strategy_id", pa.int64()),
        ]
    ),
    # Contact ways (渠道活码) from list_contact_way + get_contact_way. A follow_user's `state` equals
    # the `state` of the live QR code that brought the contact in: that is how a channel is known.
    ("wecom", "contact_ways"): pa.schema(
        [
            ("config_id", pa.string()),
            ("type", pa.int8()),
            ("scene", pa.int8()),
            ("state", pa.string()),
            ("remark", pa.string()),
            ("users", pa.list_(pa.string())),
            ("skip_verify", pa.bool_()),
            ("style", pa.int8()),
            ("is_temp", pa.bool_()),
            ("expires_in", pa.int64()),
            ("qr_code", pa.string()),  # only when the connection asks for it (keep_qr_code)
        ]
    ),
    # get_user_behavior_data: one row per staff member per day (stat_date, Asia/Shanghai).
    # reply_percentage and avg_reply_time are absent on a day without chats.
    ("wecom", "user_behavior"): pa.schema(
        [
            ("userid", pa.string()),
            ("stat_date", pa.date32()),
            ("chat_cnt", pa.int32()),
            ("message_cnt", pa.int32()),
            ("reply_percentage", pa.float64()),
            ("avg_reply_time", pa.int32()),
            ("negative_feedback_cnt", pa.int32()),
            ("new_apply_cnt", pa.int32()),
            ("new_contact_cnt", pa.int32()),
        ]
    ),
    # get_unassigned_list: customers of resigned staff waiting to be handed over ("awaiting transfer",
    # not lost), a full snapshot per date.
    ("wecom", "unassigned_contacts"): pa.schema(
        [
            ("handover_userid", pa.string()),
            ("external_userid", pa.string()),
            ("dimission_time", TS),
        ]
    ),
    # What the day's WeCom snapshot could not land as answered, and why: a chat or contact way gone
    # between list and get (errcode), a contact without external_userid, two contacts under one id,
    # an undocumented add_way, a tag id in no library. detail: the offending record's fields (JSON).
    ("wecom", "landing_issues"): pa.schema(
        [
            ("entity", pa.string()),
            ("id", pa.string()),
            ("errcode", pa.int32()),
            ("reason", pa.string()),
            ("detail", pa.string()),
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
            ("quarantine_reason", pa.string()),  # set by extraction: why the row cannot flow
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
            ("quarantine_reason", pa.string()),  # set by extraction: why the row cannot flow
        ]
    ),
    ("appdb", "order_items"): pa.schema(
        [
            ("order_id", pa.string()),
            ("line_no", pa.int32()),
            ("item_id", pa.string()),
            ("category", pa.string()),
            ("quantity", pa.int32()),
            ("unit_price", MONEY),
            ("updated_at", TS),
            ("quarantine_reason", pa.string()),  # set by extraction: why the row cannot flow
        ]
    ),
    # WeCom's ID conversion (idconvert/unionid_to_external_userid) of the mini-program's users: which
    # external contact of the corp a (unionid, openid) is, even when the contact's own detail hides
    # the unionid. A cumulative snapshot per date: every pair asked so far, external_userid once WeCom
    # knows them as a customer (linked_on: the date it first did), else WeCom's pending_id.
    ("wecom", "unionid_links"): pa.schema(
        [
            ("unionid", pa.string()),
            ("openid", pa.string()),
            ("external_userid", pa.string()),
            ("pending_id", pa.string()),
            ("linked_on", pa.date32()),
            ("first_checked_on", pa.date32()),
            ("checked_on", pa.date32()),
            # why WeCom refused the pair (its errcode) when it did; asked again a week later
            ("rejected_reason", pa.string()),
            ("pending_on", pa.date32()),  # when WeCom gave the pending_id: it lives 90 days
        ]
    ),
    ("appdb", "refunds"): pa.schema(
        [
            ("refund_id", pa.string()),
            ("order_id", pa.string()),
            ("amount", MONEY),
            ("reason", pa.string()),
            ("created_at", TS),
            ("updated_at", TS),
            ("quarantine_reason", pa.string()),  # set by extraction: why the row cannot flow
        ]
    ),
    # Orders placed through a maker's (创客) share link or code, and the commission they earn.
    ("appdb", "commissions"): pa.schema(
        [
            ("commission_id", pa.string()),
            ("order_id", pa.string()),
            ("promoter_openid", pa.string()),
            ("channel", pa.string()),  # link | code
            ("rate", pa.decimal128(5, 4)),
            ("amount", MONEY),
            ("status", pa.string()),  # pending | settled | cancelled
            ("created_at", TS),
            ("updated_at", TS),
        ]
    ),
    # The "add your advisor" codes: the contact way state the brand's backend created for a user.
    ("appdb", "advisor_codes"): pa.schema(
        [
            ("openid", pa.string()),
            ("state", pa.string()),
            ("created_at", TS),
            ("updated_at", TS),
        ]
    ),
    # Marketing consent: each opt-in / opt-out a mini-program user made (action), and when.
    ("appdb", "consent_events"): pa.schema(
        [
            ("event_id", pa.string()),
            ("openid", pa.string()),
            ("purpose", pa.string()),
            ("action", pa.string()),  # opt_in | opt_out
            ("source", pa.string()),
            ("occurred_at", TS),
            ("updated_at", TS),
            ("quarantine_reason", pa.string()),  # set by extraction: why the row cannot flow
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

# Free text: what people type by hand, where a phone number can hide. Every Chinese mobile number in
# these columns is masked before the lake (siyu.privacy.mask_phones, applied by siyu.lake).
FREE_TEXT: dict[tuple[str, str], tuple[str, ...]] = {
    ("wecom", "external_contacts"): ("corp_name", "position", "corp_full_name", "external_profile"),
    ("wecom", "follow_users"): ("remark", "description", "remark_corp_name", "wechat_channels_nickname"),
    ("wecom", "group_chats"): ("name", "notice"),
    ("wecom", "group_members"): ("group_nickname", "name"),
    ("wecom", "contact_ways"): ("remark",),
    ("wecom", "landing_issues"): ("detail", "reason"),
    ("appdb", "refunds"): ("reason",),
    ("tracking", "events"): ("props", "page"),
    ("tracking", "events_quarantine"): ("raw", "reason"),
}

# Columns that carry a person's name or what staff call them (a remark is usually a name). They stay in
# the lake and staging for the models that need them; no mart publishes them today, and the exports
# drop any output column of these names unless SIYU_EXPORT_NAMES=1 (default off).
PERSON_NAME_COLUMNS = frozenset(
    {
        "name",
        "remark",
        "group_nickname",
        "nickname",
        "wechat_channels_nickname",
        "real_name",
        "contact_name",
        "receiver_name",
    }
)

TRACKING_EVENTS = ("page_view", "product_view", "add_to_cart", "favorite", "share", "search", "login")


def raw_schema(source: str, entity: str) -> pa.Schema:
    return RAW[(source, entity)]


# WeCom's ID conversion lands by its own DAG (siyu_ingest_idconvert), after the sources it reads.
ID_CONVERSION = ("wecom", "unionid_links")
# The lake entities each source's ingest DAG lands, in the contracts' order.
RAW_ENTITIES: dict[str, tuple[str, ...]] = {
    source: tuple(e for s, e in RAW if s == source and (s, e) != ID_CONVERSION)
    for source in dict.fromkeys(s for s, _ in RAW)
}

# Operators' identity decisions (dbt seed identity_overrides, and the inbox files var
# identity_overrides_inbox names): the columns of a row, as int_identity__overrides reads them.
IDENTITY_OVERRIDE_FIELDS = (
    "action",
    "left_type",
    "left_identifier",
    "right_type",
    "right_identifier",
    "decided_by",
    "reason",
    "decided_at",
)
