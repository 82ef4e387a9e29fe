"""Airflow Assets: each lake entity and the published marts, so DAGs run when their inputs land."""

from __future__ import annotations

from airflow.sdk import Asset

from siyu.contracts import ID_CONVERSION, RAW_ENTITIES

__all__ = ["RAW_ENTITIES", "PUBLISHED_MARTS", "UNIONID_LINKS", "all_raw_assets", "raw_asset", "raw_assets"]


def raw_asset(source: str, entity: str) -> Asset:
    return Asset(name=f"raw.{source}.{entity}", uri=f"siyu://lake/raw/{source}/{entity}")


def raw_assets(source: str) -> list[Asset]:
    return [raw_asset(source, e) for e in RAW_ENTITIES[source]]


# WeCom's ID conversion of the mini-program's users: landed by siyu_ingest_idconvert once both
# appdb.mp_users and wecom.external_contacts have.
UNIONID_LINKS = raw_asset(*ID_CONVERSION)


def all_raw_assets() -> list[Asset]:
    return [raw_asset(s, e) for s, entities in RAW_ENTITIES.items() for e in entities] + [UNIONID_LINKS]


PUBLISHED_MARTS = Asset(name="published.marts", uri="siyu://published/marts")
