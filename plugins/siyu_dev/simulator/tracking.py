"""Mini-program tracking logs: sessions of events per user, written as hourly JSONL per collector.

A share leaves a `share` event whose share_id the invitee's first visit carries, so referrals can be
traced. About 1 % of events are written twice (a collector retry), 2 % arrive one to three days late,
and a few lines are corrupt, as real collectors produce.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass
from pathlib import Path

from siyu.run_context import CHINA, china_day
from siyu_dev.simulator.people import Person

PAGES = {
    "home": "pages/index/index",
    "item": "pages/item/detail",
    "search": "pages/search/index",
    "cart": "pages/cart/index",
}
KEYWORDS = ["面膜", "精华", "口红", "香水", "防晒", "礼盒", "洗面奶", "眼霜"]
CORRUPT = ['{"event_id": "', "not json at all", '{"event": "page_view", "ts": "yesterday"}']


@dataclass(frozen=True)
class LoggedEvent:
    collector: str
    arrival: dt.date
    hour: int
    record: dict | str  # a str is a corrupt line, written as is


def _ms(value: dt.datetime) -> int:
    return int(value.replace(tzinfo=dt.UTC).timestamp() * 1000)


def _event(
    rng: random.Random,
    person: Person,
    name: str,
    at: dt.datetime,
    scene: int,
    page: str,
    item_id: str | None = None,
    props: dict | None = None,
) -> dict:
    record = {
        "event_id": "ev" + "".join(rng.choice("0123456789abcdef") for _ in range(24)),
        "openid": person.openid,
        "event": name,
        "ts": _ms(at),
        "page": page,
        "scene": scene,
    }
    if person.mp_has_unionid:
        record["unionid"] = person.unionid
    if item_id:
        record["item_id"] = item_id
    if props:
        record["props"] = props
    return record


def _session(
    rng: random.Random,
    person: Person,
    at: dt.datetime,
    scene: int,
    items: list[str],
    first_props: dict | None = None,
) -> list[dict]:
    events = []
    clock = at

    def tick() -> dt.datetime:
        nonlocal clock
        clock += dt.timedelta(seconds=rng.randint(5, 240))
        return clock

    if rng.random() < 0.15:
        events.append(_event(rng, person, "login", clock, scene, PAGES["home"]))
    events.append(_event(rng, person, "page_view", tick(), scene, PAGES["home"], props=first_props))
    if rng.random() < 0.3:
        events.append(
            _event(
                rng, person, "search", tick(), scene, PAGES["search"], props={"keyword": rng.choice(KEYWORDS)}
            )
        )
    for item in items:
        events.append(_event(rng, person, "product_view", tick(), scene, PAGES["item"], item))
        if rng.random() < 0.25:
            events.append(_event(rng, person, "add_to_cart", tick(), scene, PAGES["item"], item))
        if rng.random() < 0.08:
            events.append(_event(rng, person, "favorite", tick(), scene, PAGES["item"], item))
    return events


def build_events(
    rng: random.Random,
    people: list[Person],
    by_id: dict[str, Person],
    rows: dict[str, list[dict]],
    start: dt.datetime,
    stop: dt.datetime,
) -> tuple[list[LoggedEvent], int]:
    from siyu_dev.simulator.appdb import CATALOG

    item_ids = [item for item, _, _ in CATALOG]
    users = {u["openid"]: u for u in rows["mp_users"]}
    order_days: dict[str, list[dt.datetime]] = {}
    for order in rows["orders"]:
        order_days.setdefault(order["openid"], []).append(order["created_at"])
    events: list[dict] = []
    share_of_invitee: dict[str, tuple[str, str]] = {}
    for person in people:
        user = users.get(person.openid)
        if user is None or person.kind != "customer":
            continue
        first = max(user["created_at"], start)
        if person.inviter and by_id[person.inviter].openid in users and user["created_at"] >= start:
            inviter = by_id[person.inviter]
            share_at = max(user["created_at"] - dt.timedelta(hours=rng.uniform(0.5, 30)), start)
            share_id = "sh" + "".join(rng.choice("0123456789abcdef") for _ in range(16))
            events.append(
                _event(
                    rng,
                    inviter,
                    "share",
                    share_at,
                    1089,
                    PAGES["item"],
                    rng.choice(item_ids),
                    {"share_id": share_id, "share_target": rng.choice(["friend", "group"])},
                )
            )
            share_of_invitee[person.person_id] = (share_id, inviter.openid)
        days = (stop - first).days
        for offset in range(days + 1):
            day = first + dt.timedelta(days=offset)
            is_first = offset == 0 and user["created_at"] >= start
            if not is_first and rng.random() > person.activity * 0.35:
                continue
            at = day.replace(hour=0, minute=0, second=0) + dt.timedelta(seconds=rng.uniform(0, 86000))
            at = max(at, user["created_at"]) if offset == 0 else at
            if at >= stop - dt.timedelta(hours=1):
                continue
            props = None
            if is_first and person.person_id in share_of_invitee:
                share_id, sharer = share_of_invitee[person.person_id]
                props = {"share_id": share_id, "sharer_openid": sharer}
            scene = user["first_scene"] if is_first else rng.choice([1001, 1089, 1089, 1037, 1007])
            session = _session(
                rng, person, at, scene, rng.sample(item_ids, rng.choice([0, 1, 1, 2, 3, 5])), props
            )
            if rng.random() < 0.06:
                share_id = "sh" + "".join(rng.choice("0123456789abcdef") for _ in range(16))
                session.append(
                    _event(
                        rng,
                        person,
                        "share",
                        at + dt.timedelta(minutes=20),
                        scene,
                        PAGES["item"],
                        rng.choice(item_ids),
                        {"share_id": share_id, "share_target": rng.choice(["friend", "group"])},
                    )
                )
            events.extend(session)
        for ordered in order_days.get(person.openid, []):
            if ordered >= start:
                events.extend(
                    _session(rng, person, ordered - dt.timedelta(minutes=15), 1089, rng.sample(item_ids, 2))
                )
    events = [e for e in events if start.timestamp() * 1000 <= e["ts"] < _ms(stop)]
    return _log_lines(rng, events, stop)


def _log_lines(rng: random.Random, events: list[dict], stop: dt.datetime) -> tuple[list[LoggedEvent], int]:
    # Collectors in China name their hourly files by China date and hour, the days the pipeline lands.
    last_day = china_day(stop - dt.timedelta(seconds=1))
    logged = []
    for record in sorted(events, key=lambda e: (e["ts"], e["event_id"])):
        at = dt.datetime.fromtimestamp(record["ts"] / 1000, CHINA)
        collector = "c1" if record["openid"] < "oM" + "V" else "c2"
        arrival, hour = at.date(), at.hour
        if rng.random() < 0.02:  # late: a phone that was offline, uploaded 1-3 days later
            arrival = min(arrival + dt.timedelta(days=rng.randint(1, 3)), last_day)
            hour = rng.randint(0, 23) if arrival != at.date() else hour
        logged.append(LoggedEvent(collector, arrival, hour, record))
        if rng.random() < 0.01:  # a collector retry writes the same event again
            logged.append(LoggedEvent("c2" if collector == "c1" else "c1", arrival, hour, record))
    corrupt = 0
    for text in CORRUPT if len(logged) > 100 else []:
        base = logged[rng.randrange(len(logged))]
        logged.append(LoggedEvent(base.collector, base.arrival, base.hour, text))
        corrupt += 1
    return logged, corrupt


def write_inbox(events: list[LoggedEvent], inbox: Path) -> None:
    files: dict[Path, list[str]] = {}
    for event in events:
        path = inbox / event.collector / event.arrival.isoformat() / f"{event.hour:02d}.jsonl"
        line = (
            event.record
            if isinstance(event.record, str)
            else json.dumps(event.record, ensure_ascii=False, sort_keys=True)
        )
        files.setdefault(path, []).append(line)
    for path in sorted(files):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(files[path]) + "\n", encoding="utf-8")
