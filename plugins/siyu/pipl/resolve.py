"""A request's identifier → every identifier of that customer.

Two sources: the published marts (``customer_identifiers``: what identity resolved), and the lake,
for identifiers that landed after the last build or never reached the marts. In the lake the walk
follows only strong links (openid ↔ unionid in mini-program users, events and the ID conversion,
external_userid ↔ unionid in contacts and group members); a phone is taken as the person's own
(their mini-program user's authorised phone) but never walked from, since a shared phone would reach
other people. The person's orders and refunds are added by order id, so their lines go too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from siyu.config import settings

# (source, entity, columns that name one person, in the lake)
LINKS = [
    ("appdb", "mp_users", ("openid", "unionid")),
    ("tracking", "events", ("openid", "unionid")),
    ("wecom", "unionid_links", ("openid", "unionid", "external_userid")),
    ("wecom", "external_contacts", ("external_userid", "unionid")),
    ("wecom", "group_members", ("userid", "unionid")),  # type 2: userid is the external_userid
]
KIND = {"openid": "mp_openid", "userid": "external_userid"}


@dataclass
class Identifiers:
    customer_ids: set[str] = field(default_factory=set)
    mp_openids: set[str] = field(default_factory=set)
    unionids: set[str] = field(default_factory=set)
    external_userids: set[str] = field(default_factory=set)
    phone_hashes: set[str] = field(default_factory=set)
    order_ids: set[str] = field(default_factory=set)
    refund_ids: set[str] = field(default_factory=set)

    def add(self, kind: str, value: str | None) -> bool:
        if not value:
            return False
        bucket = getattr(
            self,
            {
                "mp_openid": "mp_openids",
                "unionid": "unionids",
                "customer_id": "customer_ids",
                "external_userid": "external_userids",
                "phone_hash": "phone_hashes",
            }[kind],
        )
        new = value not in bucket
        bucket.add(value)
        return new

    def person(self) -> set[str]:
        """The identifiers that name the person (ids of their orders aside)."""
        return self.customer_ids | self.mp_openids | self.unionids | self.external_userids | self.phone_hashes

    def all(self) -> set[str]:
        return self.person() | self.order_ids | self.refund_ids

    def counts(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.__dict__.items()}


def _glob(lake: str, source: str, entity: str) -> str | None:
    base = Path(lake) / "raw" / source / entity
    return f"{base}/dt=*/*.parquet" if list(base.glob("dt=*/*.parquet")) else None


def _from_marts(con: duckdb.DuckDBPyConnection, ids: Identifiers, published: Path) -> None:
    if not published.exists():
        return
    con.execute(f"attach '{published}' as pub (read_only)")
    try:
        customers = con.execute(
            "select distinct customer_id from pub.customer_identifiers "
            "where identifier in (select unnest(?)) "
            "or customer_id in (select unnest(?))",
            [sorted(ids.person()), sorted(ids.customer_ids)],
        ).fetchall()
        ids.customer_ids |= {c for (c,) in customers}
        rows = con.execute(
            "select identifier_type, identifier from pub.customer_identifiers "
            "where customer_id in (select unnest(?))",
            [sorted(ids.customer_ids)],
        ).fetchall()
        for kind, value in rows:
            ids.add(kind, value)
    finally:
        con.execute("detach pub")


def _from_lake(con: duckdb.DuckDBPyConnection, ids: Identifiers, lake: str) -> None:
    for _ in range(10):  # to a fixpoint: each round may reach a new unionid or openid
        grew = False
        for source, entity, columns in LINKS:
            path = _glob(lake, source, entity)
            if not path:
                continue
            known = sorted(ids.mp_openids | ids.unionids | ids.external_userids)
            where = " or ".join(f"{c} in (select unnest($known))" for c in columns)
            rows = con.execute(
                f"select distinct {', '.join(columns)} from read_parquet('{path}', union_by_name=true) "
                f"where {where}",
                {"known": known},
            ).fetchall()
            for row in rows:
                for column, value in zip(columns, row, strict=True):
                    grew |= ids.add(KIND.get(column, column), value)
        if not grew:
            break
    users = _glob(lake, "appdb", "mp_users")
    if users:  # the person's own authorised phones; and a request by phone reaches its users
        rows = con.execute(
            f"select distinct openid, phone_hash from read_parquet('{users}', union_by_name=true) "
            "where openid in (select unnest($o)) or phone_hash in (select unnest($p))",
            {"o": sorted(ids.mp_openids), "p": sorted(ids.phone_hashes)},
        ).fetchall()
        for openid, phone in rows:
            ids.add("mp_openid", openid)
            ids.add("phone_hash", phone)


def _orders(con: duckdb.DuckDBPyConnection, ids: Identifiers, lake: str) -> None:
    orders = _glob(lake, "appdb", "orders")
    if orders:
        rows = con.execute(
            f"select distinct order_id from read_parquet('{orders}', union_by_name=true) "
            "where openid in (select unnest(?))",
            [sorted(ids.mp_openids)],
        ).fetchall()
        ids.order_ids |= {o for (o,) in rows if o}
    refunds = _glob(lake, "appdb", "refunds")
    if refunds and ids.order_ids:
        rows = con.execute(
            f"select distinct refund_id from read_parquet('{refunds}', union_by_name=true) "
            "where order_id in (select unnest(?))",
            [sorted(ids.order_ids)],
        ).fetchall()
        ids.refund_ids |= {r for (r,) in rows if r}


def resolve(identifier_type: str, value: str) -> Identifiers:
    """Every identifier of the customer ``value`` names (a phone as its pseudonym, ``phone_hash``)."""
    s = settings()
    ids = Identifiers()
    ids.add(identifier_type, value)
    with duckdb.connect() as con:
        _from_marts(con, ids, s.published)
        _from_lake(con, ids, s.lake)
        _from_marts(con, ids, s.published)  # an identifier the lake added may belong to a resolved customer
        _from_lake(con, ids, s.lake)
        _orders(con, ids, s.lake)
    return ids
