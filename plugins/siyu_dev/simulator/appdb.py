"""The mini-program's app DB: users, orders, order lines, refunds, commissions and marketing consent
events (naive UTC, raw phones).

Receiver phones are where the phone noise lives: most orders go to the buyer's own phone, some to a
family member's, and store-pickup orders carry the clerk's phone, so one phone sits on hundreds of
orders of different people. Test accounts all authorised 13800138000.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, insert
from sqlalchemy.engine import Engine

from siyu.sources.appdb import tables
from siyu_dev.simulator.people import TEST_PHONE, Person

CATALOG = [  # (item_id, category, price)
    *[(f"sku_sk{i:02d}", "护肤", p) for i, p in enumerate([89, 129, 199, 259, 329, 459, 599, 899], 1)],
    *[(f"sku_mk{i:02d}", "彩妆", p) for i, p in enumerate([59, 79, 119, 159, 219, 289], 1)],
    *[(f"sku_fr{i:02d}", "香水", p) for i, p in enumerate([299, 459, 689, 980], 1)],
    *[(f"sku_pc{i:02d}", "个护", p) for i, p in enumerate([29, 39, 49, 69, 99], 1)],
    *[(f"sku_gs{i:02d}", "礼盒", p) for i, p in enumerate([399, 699, 1299], 1)],
]
SCENES = {  # entry scene of a user's first visit, by how they came
    "mp_share": [1007, 1008],
    "store_qr": [1011, 1047],
    "package_card": [1047, 1048],
    "live_stream": [1036, 1089],
    "ad_douyin": [1037, 1045],
    "event_booth": [1011],
    "organic": [1001, 1005, 1089],
}
PAY_METHODS = (["wechat"] * 17) + ["balance", "card", "alipay"]


def _user(rng: random.Random, person: Person, by_id: dict[str, Person], stop: dt.datetime) -> dict | None:
    created = person.acquired_at
    if person.on_wecom and rng.random() < 0.5:  # met in WeCom first, opened the mini-program later
        created += dt.timedelta(days=rng.uniform(0, 20))
    if created >= stop:
        return None
    updated = created
    phone = None
    if person.kind == "test":
        phone = TEST_PHONE
    elif person.mp_phone_authorised and person.phone:
        authorised = created + dt.timedelta(days=rng.uniform(0, 10))
        if authorised < stop:  # later than the window's end: not yet (not piled up on its last day)
            phone, updated = person.phone, authorised
    inviter = by_id[person.inviter].openid if person.inviter else None
    return {
        "openid": person.openid,
        "unionid": person.unionid if person.mp_has_unionid else None,
        "phone": phone,
        "first_scene": rng.choice(SCENES[person.channel]),
        "inviter_openid": inviter,
        "created_at": created.replace(microsecond=0),
        "updated_at": updated.replace(microsecond=0),
    }


def _receiver_phone(rng: random.Random, person: Person, clerk: Person) -> str | None:
    roll = rng.random()
    if roll < 0.065:
        return clerk.phone  # picked up in store: the clerk's phone
    if roll < 0.185 and person.family_phone:
        return person.family_phone
    return person.phone or person.family_phone


def _order(
    rng: random.Random, n: int, person: Person, clerk: Person, created: dt.datetime, stop: dt.datetime
) -> tuple[dict, list[dict], list[dict]]:
    order_id = f"o{n:09d}"
    lines = []
    for line_no, (item_id, category, price) in enumerate(
        rng.sample(CATALOG, rng.choices([1, 2, 3], [60, 30, 10])[0]), 1
    ):
        lines.append(
            {
                "order_id": order_id,
                "line_no": line_no,
                "item_id": item_id,
                "category": category,
                "quantity": rng.choices([1, 2, 3], [80, 15, 5])[0],
                "unit_price": Decimal(price),
                "updated_at": created,
            }
        )
    amount = sum((line["quantity"] * line["unit_price"] for line in lines), Decimal(0))  # type: ignore[operator]
    if person.kind == "test":
        amount = Decimal("0.01")
    age = stop - created
    paid_at = None
    if rng.random() < 0.08:
        status, updated = "cancelled", min(created + dt.timedelta(minutes=30), stop - dt.timedelta(seconds=1))
    elif age < dt.timedelta(minutes=15):
        status, updated = "created", created
    else:
        paid_at = created + dt.timedelta(minutes=rng.uniform(0.5, 14))
        status, updated = "paid", paid_at
        if age > dt.timedelta(days=1):
            status, updated = "shipped", created + dt.timedelta(hours=rng.uniform(4, 23))
        if age > dt.timedelta(days=8):
            status, updated = "completed", created + dt.timedelta(days=rng.uniform(3, 7))
    refunds = []
    if paid_at and rng.random() < 0.05:
        refunded_at = paid_at + dt.timedelta(days=rng.uniform(0.1, 6))
        if refunded_at < stop:
            full = rng.random() < 0.5
            refund_amount = amount if full else (amount * Decimal("0.3")).quantize(Decimal("0.01"))
            refunds.append(
                {
                    "refund_id": f"r{n:09d}",
                    "order_id": order_id,
                    "amount": refund_amount,
                    "reason": rng.choice(["不想要了", "质量问题", "发错货", "过敏"]),
                    "created_at": refunded_at.replace(microsecond=0),
                    "updated_at": refunded_at.replace(microsecond=0),
                }
            )
            if full:
                status, updated = "refunded", refunded_at
    order = {
        "order_id": order_id,
        "openid": person.openid,
        "status": status,
        "amount": amount,
        "pay_method": rng.choice(PAY_METHODS) if paid_at else None,
        "receiver_phone": _receiver_phone(rng, person, clerk),
        "province": person.province,
        "city": person.city,
        "paid_at": paid_at.replace(microsecond=0) if paid_at else None,
        "created_at": created.replace(microsecond=0),
        "updated_at": updated.replace(microsecond=0),
    }
    return order, lines, refunds


MAX_ORDERS = 12


def _purchase_times(
    rng: random.Random, person: Person, since: dt.datetime, stop: dt.datetime
) -> list[dt.datetime]:
    """When a person buys, as buyers do (the BG/NBD story, Fader, Hardie & Lee 2005): while active they
    buy at their own rate, and after each purchase they may drop out for good, more likely the less
    keen they are. A test account places one order."""
    span = (stop - since).total_seconds()
    if person.kind == "test":
        return [since + dt.timedelta(seconds=rng.uniform(60, span))]
    if rng.random() >= min(0.95, person.buyer_propensity * 1.3):
        return []
    mean_gap = dt.timedelta(days=30 / (0.2 + person.buyer_propensity))
    dropout = 0.1 + 0.3 * (1 - person.buyer_propensity)
    at = since + dt.timedelta(seconds=60) + mean_gap * rng.expovariate(6.0)  # the first comes sooner
    times: list[dt.datetime] = []
    while at < stop and len(times) < MAX_ORDERS:
        times.append(at)
        if rng.random() < dropout:
            break
        at += mean_gap * rng.expovariate(1.0)
    return times


def build_rows(
    rng: random.Random, people: list[Person], by_id: dict[str, Person], start: dt.datetime, stop: dt.datetime
) -> dict[str, list[dict]]:
    clerk = by_id["p_clerk"]
    rows: dict[str, list[dict]] = {"mp_users": [], "orders": [], "order_items": [], "refunds": []}
    for person in people:
        if not person.on_mp:
            continue
        user = _user(rng, person, by_id, stop)
        if user is None:
            continue
        rows["mp_users"].append(user)
        if person.kind == "clerk":
            continue
        for created in _purchase_times(rng, person, user["created_at"], stop):
            order, lines, refunds = _order(rng, len(rows["orders"]) + 1, person, clerk, created, stop)
            rows["orders"].append(order)
            rows["order_items"].extend(lines)
            rows["refunds"].extend(refunds)
    rows["commissions"] = _commissions(rng, people, by_id, rows["orders"])
    rows["consent_events"] = consent_events(rows["mp_users"], stop)
    for line in rows["order_items"]:
        line["updated_at"] = line["updated_at"].replace(microsecond=0)
    return rows


COMMISSION_RATE = Decimal("0.1000")
COMMISSION_STATUS = {"cancelled": "cancelled", "refunded": "cancelled", "completed": "settled"}


def _commissions(
    rng: random.Random, people: list[Person], by_id: dict[str, Person], orders: list[dict]
) -> list[dict]:
    """Co-creation (共创): some keen buyers become makers (创客) after their first order and sell through
    their share link or code: most orders of the friends they brought, and now and then a stranger's
    order with their code. Each such order earns them a commission, pending until it completes."""
    first_order: dict[str, dt.datetime] = {}
    for order in orders:
        first_order.setdefault(order["openid"], order["created_at"])
    keen = (
        p for p in people if p.kind == "customer" and p.openid in first_order and p.buyer_propensity > 0.4
    )
    makers = [p for p in keen if rng.random() < 0.25]
    maker_ids = {p.person_id for p in makers}
    by_openid = {p.openid: p for p in people}
    rows = []
    for order in orders:
        buyer = by_openid[order["openid"]]
        if buyer.inviter in maker_ids and rng.random() < 0.6:
            promoter, channel = by_id[buyer.inviter], "link"
        elif makers and rng.random() < 0.06:
            promoter, channel = rng.choice(makers), "code"
        else:
            continue
        if promoter is buyer or order["created_at"] <= first_order[promoter.openid]:
            continue
        rows.append({
            "commission_id": "c" + order["order_id"][1:],
            "order_id": order["order_id"],
            "promoter_openid": promoter.openid,
            "channel": channel,
            "rate": COMMISSION_RATE,
            "amount": (order["amount"] * COMMISSION_RATE).quantize(Decimal("0.01")),
            "status": COMMISSION_STATUS.get(order["status"], "pending"),
            "created_at": order["created_at"],
            "updated_at": order["updated_at"],
        })  # fmt: skip
    return rows


CONSENT_PURPOSE = "marketing"


def consent_events(users: list[dict], stop: dt.datetime) -> list[dict]:
    """Marketing consent as the mini-program records it: most users subscribe (opt in) soon after
    signing up, some of them later unsubscribe in settings, a few object through customer service
    without ever opting in, and a few who left come back. Each user's draws come from a generator of
    their own (seeded by openid), so the rest of the world is drawn exactly as before."""
    rows: list[dict] = []
    for user in users:
        rng = random.Random(f"consent:{user['openid']}")
        at, events = user["created_at"], []
        if rng.random() < 0.6:
            at += dt.timedelta(hours=rng.uniform(0.1, 48))
            events.append(("opt_in", "mp_subscribe", at))
            if rng.random() < 0.12:
                at += dt.timedelta(days=rng.uniform(1, 40))
                events.append(("opt_out", "mp_settings", at))
                if rng.random() < 0.2:
                    at += dt.timedelta(days=rng.uniform(1, 20))
                    events.append(("opt_in", "mp_subscribe", at))
        elif rng.random() < 0.05:
            at += dt.timedelta(days=rng.uniform(1, 30))
            events.append(("opt_out", "customer_service", at))
        for action, source, moment in events:
            if moment >= stop:
                break
            stamp = moment.replace(microsecond=0)
            rows.append({
                "event_id": f"ce{len(rows) + 1:09d}", "openid": user["openid"], "purpose": CONSENT_PURPOSE,
                "action": action, "source": source, "occurred_at": stamp, "updated_at": stamp,
            })  # fmt: skip
    return rows


def write_rows(rows: dict[str, list[dict]], appdb: str | Engine, chunk: int = 5000) -> None:
    """(Re)create the app DB tables and fill them: the world replaces whatever was there."""
    if isinstance(appdb, str) and appdb.startswith("sqlite:///"):
        Path(appdb.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(appdb) if isinstance(appdb, str) else appdb
    try:
        tables.metadata.drop_all(engine)
        tables.metadata.create_all(engine)
        with engine.begin() as conn:
            for table in tables.metadata.sorted_tables:
                data = rows.get(table.name, [])
                for i in range(0, len(data), chunk):
                    conn.execute(insert(table), data[i : i + chunk])
    finally:
        if isinstance(appdb, str):
            engine.dispose()
