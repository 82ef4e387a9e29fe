"""`siyu simulate`: a seeded world of people, the brand's WeCom corp, app DB and tracking logs.

``build_world`` draws everything in memory from one seed; ``write_world`` writes it out:

- ``truth/people.parquet`` and ``truth/identifiers.parquet`` (person_id, id_type, id_value): the
  ground truth the identity resolver is scored against. Only identifiers that appear somewhere in the
  sources are listed; phones are raw here (the truth never enters the lake).
- ``wecom_state.json``: what the WeCom simulator serves (contacts, groups, tags, contact ways, stats).
- the app DB (mp_users, orders, order_items, refunds) through SQLAlchemy, at ``appdb_url``.
- ``tracking_inbox/<collector>/<date>/<HH>.jsonl``: hourly mini-program event logs, with about 1 %
  duplicated events, 2 % arriving 1-3 days late and a few corrupt lines.

Same arguments → byte-identical files and identical tables.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from faker import Faker

from siyu.run_context import day_end_utc
from siyu_dev.simulator import appdb, tracking, wecom
from siyu_dev.simulator.advisor import ADVISOR_CODE_SHARE, add_advisor_codes
from siyu_dev.simulator.people import TEST_PHONE, Person, Staff, build_people, build_staff, special_people


@dataclass
class World:
    seed: int
    days: int
    start: dt.datetime  # first instant of the window (naive UTC)
    end: dt.datetime  # exclusive end of the window: nothing happens at or after it
    staff: list[Staff]
    people: list[Person]
    wecom_state: dict
    appdb_rows: dict[str, list[dict]]
    events: list[tracking.LoggedEvent]
    corrupt_lines: int
    identifiers: list[tuple[str, str, str]] = field(default_factory=list)

    def stats(self) -> dict[str, int]:
        return {
            "people": len(self.people),
            "staff": len(self.staff),
            "wecom_contacts": len(self.wecom_state["contacts"]),
            "wecom_follow_users": sum(len(c["follow_user"]) for c in self.wecom_state["contacts"]),
            "wecom_group_chats": len(self.wecom_state["group_chats"]),
            **{f"appdb_{name}": len(rows) for name, rows in self.appdb_rows.items()},
            "tracking_events": len({e.record["event_id"] for e in self.events if isinstance(e.record, dict)}),
            "tracking_lines": len(self.events),
            "tracking_corrupt_lines": self.corrupt_lines,
        }


def build_world(
    people: int, days: int, seed: int, end: dt.date, advisor_code_share: float = ADVISOR_CODE_SHARE
) -> World:
    if people < 1 or days < 1:
        raise ValueError("a world needs at least one person and one day")
    rng = random.Random(seed)
    faker = Faker("zh_CN")
    faker.seed_instance(seed)
    stop = day_end_utc(end)  # the world's last day is a China day, as the pipeline's days are
    start = stop - dt.timedelta(days=days)
    staff = build_staff(rng, people, days)
    population = build_people(rng, faker, people, start, days) + special_people(rng, start)
    by_id = {p.person_id: p for p in population}
    state = wecom.build_state(rng, faker, population, staff, start, stop)
    rows = appdb.build_rows(rng, population, by_id, start, stop)
    add_advisor_codes(population, state, rows, wecom.QR_CHANNELS, advisor_code_share)  # draws no rng
    events, corrupt = tracking.build_events(rng, population, by_id, rows, start, stop)
    world = World(seed, days, start, stop, staff, population, state, rows, events, corrupt)
    world.identifiers = observed_identifiers(world)
    return world


def observed_identifiers(world: World) -> list[tuple[str, str, str]]:
    """(person_id, id_type, id_value) for every identifier the sources expose, with its true owner."""
    by_euid = {p.external_userid: p.person_id for p in world.people}
    by_openid = {p.openid: p.person_id for p in world.people}
    by_unionid = {p.unionid: p.person_id for p in world.people}
    by_phone = {p.phone: p.person_id for p in world.people if p.phone and p.phone != TEST_PHONE}
    seen: set[tuple[str, str, str]] = set()

    def add(kind: str, value: str | None, owners: dict[str, str]) -> None:
        if value and value in owners:
            seen.add((owners[value], kind, value))

    for contact in world.wecom_state["contacts"]:
        ext = contact["external_contact"]
        add("external_userid", ext["external_userid"], by_euid)
        add("unionid", ext.get("unionid"), by_unionid)
        for follow in contact["follow_user"]:
            for phone in follow.get("remark_mobiles", []):
                add("phone", phone, by_phone)
    for chat in world.wecom_state["group_chats"]:
        for member in chat["member_list"]:
            if member["type"] == 2:
                add("external_userid", member["userid"], by_euid)
                add("unionid", member.get("unionid"), by_unionid)
    for user in world.appdb_rows["mp_users"]:
        add("mp_openid", user["openid"], by_openid)
        add("unionid", user["unionid"], by_unionid)
        add("phone", user["phone"], by_phone)
    for order in world.appdb_rows["orders"]:
        add("mp_openid", order["openid"], by_openid)
        add("phone", order["receiver_phone"], by_phone)
    return sorted(seen)


def write_world(world: World, out_dir: Path, appdb_url: str) -> dict[str, int]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    truth = out_dir / "truth"
    truth.mkdir(exist_ok=True)
    _write_truth(world, truth)
    state_path = out_dir / "wecom_state.json"
    state_path.write_text(json.dumps(world.wecom_state, ensure_ascii=False, sort_keys=True, indent=0))
    inbox = out_dir / "tracking_inbox"
    shutil.rmtree(inbox, ignore_errors=True)
    tracking.write_inbox(world.events, inbox)
    appdb.write_rows(world.appdb_rows, appdb_url)
    stats = world.stats()
    (out_dir / "world.json").write_text(
        json.dumps(
            {
                "seed": world.seed,
                "days": world.days,
                "start": world.start.isoformat(),
                "end": world.end.isoformat(),
                "stats": stats,
            },
            indent=2,
            sort_keys=True,
        )
    )
    return stats


def _write_truth(world: World, folder: Path) -> None:
    people = pa.table(
        {
            "person_id": [p.person_id for p in world.people],
            "kind": [p.kind for p in world.people],
            "gender": pa.array([p.gender for p in world.people], pa.int8()),
            "province": [p.province for p in world.people],
            "city": [p.city for p in world.people],
            "channel": [p.channel for p in world.people],
            "acquired_at": pa.array([p.acquired_at for p in world.people], pa.timestamp("us")),
            "inviter_person_id": [p.inviter for p in world.people],
        }
    )
    pq.write_table(people, folder / "people.parquet", compression="zstd")
    pid, kind, value = zip(*world.identifiers, strict=True) if world.identifiers else ((), (), ())
    identifiers = pa.table({"person_id": list(pid), "id_type": list(kind), "id_value": list(value)})
    pq.write_table(identifiers, folder / "identifiers.parquet", compression="zstd")
