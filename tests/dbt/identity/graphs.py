"""Helpers for the hand-made identity graphs of these tests."""

from __future__ import annotations

import hashlib

from siyu.contracts import RAW
from siyu.lake import Lake, Partition
from siyu.privacy import phone_hash
from tests.dbt.conftest import mp_user, table, ts

KEY = b"identity-test-key"


def cid(kind: str, value: str) -> str:
    """The customer_id anchored on (kind, value) (macros/identity.sql: customer_id)."""
    return "c_" + hashlib.md5(f"{kind}:{value}".encode()).hexdigest()[:16]


def user(openid, unionid, created, phone=None, updated=None):
    """A mini-program user row; the phone pseudonymised with the tests' key."""
    row = mp_user(openid, unionid, created)
    row["phone_hash"] = phone_hash(phone, KEY) if phone else None
    if updated:
        row["updated_at"] = ts(updated)
    return row


def land(mp, home, lake_by_day: dict) -> None:
    """Point SIYU_* into ``home`` (through the MonkeyPatch ``mp``) and land each day's rows
    ({(source, entity): rows}) as that day's partitions, empty where a day has none."""
    for name, value in {"SIYU_HOME": home, "SIYU_LAKE": home / "lake", "SIYU_PII_KEY": KEY.decode()}.items():
        mp.setenv(name, str(value))
    lake = Lake(str(home / "lake"))
    for day, rows in lake_by_day.items():
        for source, entity in RAW:
            lake.write(Partition(source, entity, day), table(source, entity, rows.get((source, entity), [])))


def customer_ids(con) -> dict:
    """'type:identifier' -> customer_id, from customer_identifiers."""
    sql = "select identifier_type || ':' || identifier, customer_id from main_marts.customer_identifiers"
    return dict(con.execute(sql).fetchall())
