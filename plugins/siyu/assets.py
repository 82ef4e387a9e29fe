"""Airflow Assets: each lake entity and the published marts, so DAGs run when their inputs land."""

from __future__ import annotations

from airflow.sdk import Asset

RAW_ENTITIES: dict[str, tuple[str, ...]] = {
    "wecom": ("external_contacts", "follow_users", "group_chats", "group_members", "corp_tags",
              "contact_ways", "user_behavior", "unassigned_contacts", "landing_issues"),
    "appdb": ("mp_users", "orders", "order_items", "refunds", "commissions", "advisor_codes", "consent_events"),
    "tracking": ("events", "events_quarantine"),
}


def raw_asset(source: str, entity: str) -> Asset:
    return Asset(name=f"raw.{source}.{entity}", uri=f"siyu://lake/raw/{source}/{entity}")


def raw_assets(source: str) -> list[Asset]:
    return [raw_asset(source, e) for e in RAW_ENTITIES[source]]


# WeCom's ID conversion of the mini-program's users: landed by siyu_ingest_idconvert once both
# appdb.mp_users and wecom.external_contacts have.
UNIONID_LINKS = raw_asset("wecom", "unionid_links")


def all_raw_assets() -> list[Asset]:
    return [raw_asset(s, e) for s, entities in RAW_ENTITIES.items() for e in entities] + [UNIONID_LINKS]


PUBLISHED_MARTS = Asset(name="published.marts", uri="siyu://published/marts")
