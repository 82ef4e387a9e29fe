"""The brand's WeCom corp as the simulator serves it, in the API's own JSON shapes.

Contacts carry their follow users (several staff for some), tags, remark mobiles and the `state`
of the live QR code that brought them in. Staff who resign hand their customers to a colleague
(add_way 202, oper_userid = the admin). Group chats come in all sizes and hold contacts as well as
WeChat users who are no one's contact.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random

from faker import Faker

from siyu_dev.simulator.people import CHANNELS, Person, Staff

QR_CHANNELS = [state for state, _ in CHANNELS if state not in ("mp_share", "organic")]
TAG_GROUPS = [
    ("客户等级", ["普通会员", "银卡会员", "金卡会员", "黑钻会员"]),
    ("兴趣偏好", ["护肤", "彩妆", "香水", "个护"]),
    ("购买意向", ["高意向", "观望中", "已购买"]),
    ("私域运营", ["高价值客户", "流失预警", "潜力新客", "复购客户", "社群活跃"]),
]
ADMIN_USERID = "admin"
GROUP_KINDS = ["会员群", "福利群", "VIP群", "新品体验群"]
WEEK = dt.timedelta(days=7)


def epoch(value: dt.datetime) -> int:
    return calendar.timegm(value.timetuple())


def _id(rng: random.Random, prefix: str, length: int = 22) -> str:
    return prefix + "".join(
        rng.choice("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") for _ in range(length)
    )


def build_tag_groups(rng: random.Random, start: dt.datetime) -> list[dict]:
    groups = []
    for order, (group_name, names) in enumerate(TAG_GROUPS):
        created = epoch(start - dt.timedelta(days=400 - order))
        groups.append(
            {
                "group_id": _id(rng, "et"),
                "group_name": group_name,
                "create_time": created,
                "order": order,
                "tag": [
                    {"id": _id(rng, "et"), "name": name, "create_time": created, "order": i}
                    for i, name in enumerate(names)
                ],
            }
        )
    return groups


def build_contact_ways(rng: random.Random, staff: list[Staff], start: dt.datetime) -> list[dict]:
    """Live QR codes (document/path/92228), created months apart: most before the last 90 days, which
    list_contact_way answers without a window."""
    return [
        {
            "config_id": _id(rng, "cw", 30),
            "create_time": epoch(start - dt.timedelta(days=60 + 75 * n)),
            "qr_code": f"https://wework.qq.com/q/siyu-{state}",
            "is_temp": False,
            "type": 2,  # multi-person: the code routes to any of its staff
            "scene": 2,  # a QR code (scene 1 would be a mini-program button)
            "style": 1,
            "remark": f"渠道活码 {state}",
            "skip_verify": True,
            "state": state,
            "user": [s.userid for s in staff],
            "party": [],
        }
        for n, state in enumerate(QR_CHANNELS)
    ]


def _staff_at(rng: random.Random, staff: list[Staff], when: dt.datetime, start: dt.datetime) -> Staff:
    day = (when - start).days
    working = [s for s in staff if s.hired_day <= day and (s.left_day is None or s.left_day > day)]
    return rng.choice(working or staff)


def _add_way(rng: random.Random, person: Person) -> tuple[int, str | None]:
    if person.channel in QR_CHANNELS:
        return 1, person.channel
    return rng.choice([2, 3, 6]), None


def _follow(
    rng: random.Random,
    person: Person,
    staff: Staff,
    added: dt.datetime,
    add_way: int,
    state: str | None,
    oper: str,
    tag_ids: list[str],
) -> dict:
    follow = {
        "userid": staff.userid,
        "remark": person.name + rng.choice(["", "", "-门店", "-直播间"]),
        "description": rng.choice(["", "", "爱买面膜", "敏感肌", "送礼需求"]),
        "createtime": epoch(added),
        "tag_id": rng.sample(tag_ids, rng.choice([0, 0, 1, 1, 2, 3])),
        "remark_corp_name": "",
        "remark_mobiles": [person.phone] if person.phone and rng.random() < 0.18 else [],
        "oper_userid": oper,
        "add_way": add_way,
    }
    if state:
        follow["state"] = state
    return follow


def _contact(rng: random.Random, faker: Faker, person: Person) -> dict:
    ext = {
        "external_userid": person.external_userid,
        "name": person.name,
        "type": 1,
        "avatar": "",
        "gender": person.gender,
    }
    if rng.random() < 0.01:  # a WeCom user of another company: never a unionid
        ext["type"], ext["corp_name"] = 2, faker.company()
    elif person.unionid_visible_in_wecom:
        ext["unionid"] = person.unionid
    return ext


def build_contacts(
    rng: random.Random,
    faker: Faker,
    people: list[Person],
    staff: list[Staff],
    start: dt.datetime,
    stop: dt.datetime,
    tag_ids: list[str],
    history: dict | None = None,
) -> list[dict]:
    """The contacts as the API shows them at `stop`. What happened on the way (relations that ended
    when staff resigned, contacts deleted by every staff member) goes into `history`, so the corp can
    be served as of any earlier moment (timeline.state_at); it draws nothing from `rng`."""
    history = history if history is not None else {}
    ended, deleted = history.setdefault("ended_follows", []), history.setdefault("deleted_contacts", [])
    by_userid = {s.userid: s for s in staff}
    contacts = []
    for person in people:
        if not person.on_wecom or person.acquired_at >= stop:
            continue
        owner = _staff_at(rng, staff, person.acquired_at, start)
        add_way, state = _add_way(rng, person)
        follows = [
            _follow(
                rng,
                person,
                owner,
                person.acquired_at,
                add_way,
                state,
                person.external_userid if add_way in (2, 3, 6) else owner.userid,
                tag_ids,
            )
        ]
        if rng.random() < 0.10:  # a colleague adds them too (shared, or the customer scans a card)
            when = person.acquired_at + dt.timedelta(days=rng.uniform(1, 40))
            second = _staff_at(rng, staff, when, start)
            if when < stop and second.userid != owner.userid:
                follows.append(
                    _follow(rng, person, second, when, rng.choice([201, 3]), None, owner.userid, tag_ids)
                )
        contact = {"external_contact": _contact(rng, faker, person), "follow_user": []}
        for follow in follows:
            member = by_userid[follow["userid"]]
            left_at = start + dt.timedelta(days=member.left_day) if member.left_day is not None else None
            if left_at is not None and left_at < stop:
                # Resigned: the customer is inherited by the successor, unless they already follow.
                if follow["createtime"] < epoch(left_at):
                    ext_id = person.external_userid
                    ended.append({"external_userid": ext_id, "until": epoch(left_at), "follow": follow})
                if any(f["userid"] == member.successor for f in follows):
                    continue
                follow = {
                    **follow,
                    "userid": member.successor,
                    "createtime": epoch(max(left_at, person.acquired_at)),
                    "add_way": 202,
                    "oper_userid": ADMIN_USERID,
                }
                follow.pop("state", None)
            contact["follow_user"].append(follow)  # type: ignore[attr-defined]
        if rng.random() < 0.03:  # deleted by every staff member: gone from the API
            if contact["follow_user"]:
                deleted.append({"deleted_at": _deleted_at(person, contact, stop), "contact": contact})
            continue
        if contact["follow_user"]:
            contacts.append(contact)
    return contacts


def _deleted_at(person: Person, contact: dict, stop: dt.datetime) -> int:
    """When the last staff member deleted the contact: after their last relation began. Its own seeded
    generator, so recording it leaves the world's main random stream (and every other value) as is."""
    last_added = max(f["createtime"] for f in contact["follow_user"])
    share = random.Random(f"deleted:{person.person_id}").random()
    return int(last_added + (epoch(stop) - last_added) * share)


def build_group_chats(
    rng: random.Random,
    faker: Faker,
    people: list[Person],
    staff: list[Staff],
    start: dt.datetime,
    stop: dt.datetime,
) -> list[dict]:
    current = [s for s in staff if s.left_day is None]
    members_pool = [p for p in people if p.kind == "customer" and p.acquired_at < stop]
    chats = []
    for i in range(max(3, len(people) // 70)):
        owner = rng.choice(current)
        size = rng.choices([rng.randint(3, 20), rng.randint(21, 120), rng.randint(121, 400)], [55, 35, 10])[0]
        # Two in three groups predate the window; the rest open during it.
        if i % 3:
            created = start - dt.timedelta(days=rng.uniform(0, 200))
        else:
            created = start + (stop - start) * rng.random()
        created = created.replace(microsecond=0)
        wecom_people = [p for p in members_pool if p.on_wecom]
        pool = wecom_people if wecom_people and rng.random() < 0.8 else members_pool
        chosen = rng.sample(pool, min(size, len(pool)))
        member_list = [
            {
                "userid": owner.userid,
                "type": 1,
                "join_time": epoch(created),
                "join_scene": 1,
                "invitor": {"userid": owner.userid},
                "group_nickname": "",
                "name": owner.name,
            }
        ]
        for person in sorted(chosen, key=lambda p: p.person_id):
            joined = max(created, person.acquired_at) + dt.timedelta(hours=rng.uniform(0, 24 * 20))
            if joined >= stop:
                continue
            scene = rng.choices([1, 2, 3], [50, 20, 30])[0]
            member = {
                "userid": person.external_userid,
                "type": 2,
                "join_time": epoch(joined),
                "join_scene": scene,
                "group_nickname": rng.choice(["", "", person.name[:1] + "姐"]),
                "name": person.name,
            }
            if scene == 1:
                member["invitor"] = {"userid": owner.userid}
            if person.unionid_visible_in_wecom:
                member["unionid"] = person.unionid
            member_list.append(member)
        chats.append(
            {
                "chat_id": "wr" + _id(rng, "", 30),
                "name": f"{faker.city_name()}{rng.choice(GROUP_KINDS)}{i + 1}",
                "owner": owner.userid,
                "create_time": epoch(created),
                "notice": rng.choice(["", "每周三会员日", "群内禁止广告"]),
                "member_list": member_list,
                "admin_list": [],
                "status": 0,
            }
        )
    return chats


def build_behavior(
    rng: random.Random, contacts: list[dict], staff: list[Staff], start: dt.datetime, stop: dt.datetime
) -> dict[str, list[dict]]:
    """get_user_behavior_data per staff member per day (day boundaries in Beijing time)."""
    new_adds: dict[tuple[str, dt.date], int] = {}
    for contact in contacts:
        for follow in contact["follow_user"]:
            day = dt.datetime.fromtimestamp(follow["createtime"] + 8 * 3600, dt.UTC).date()
            new_adds[follow["userid"], day] = new_adds.get((follow["userid"], day), 0) + 1
    first_day = (start + dt.timedelta(hours=8)).date()
    days = (stop - start).days
    behavior: dict[str, list[dict]] = {}
    for member in staff:
        rows = []
        for offset in range(days):
            day = first_day + dt.timedelta(days=offset)
            if member.left_day is not None and offset >= member.left_day:
                break
            new = new_adds.get((member.userid, day), 0)
            chats = rng.randint(0, 40)
            rows.append(
                {
                    "stat_time": epoch(dt.datetime.combine(day, dt.time()) - dt.timedelta(hours=8)),
                    "chat_cnt": chats,
                    "message_cnt": chats * rng.randint(2, 9),
                    **(
                        {
                            "reply_percentage": round(rng.uniform(40, 100), 1),
                            "avg_reply_time": rng.randint(1, 90),
                        }
                        if chats
                        else {}
                    ),
                    "negative_feedback_cnt": int(rng.random() < 0.05),
                    "new_apply_cnt": new + rng.randint(0, 2),
                    "new_contact_cnt": new,
                }
            )
        behavior[member.userid] = rows
    return behavior


def build_state(
    rng: random.Random,
    faker: Faker,
    people: list[Person],
    staff: list[Staff],
    start: dt.datetime,
    stop: dt.datetime,
) -> dict:
    tag_groups = build_tag_groups(rng, start)
    tag_ids = [t["id"] for g in tag_groups for t in g["tag"]]
    history: dict = {}
    contacts = build_contacts(rng, faker, people, staff, start, stop, tag_ids, history)
    history["staff_left"] = {
        s.userid: epoch(start + dt.timedelta(days=s.left_day))
        for s in staff
        if s.left_day is not None and start + dt.timedelta(days=s.left_day) < stop
    }
    chats = build_group_chats(rng, faker, people, staff, start, stop)
    unassigned = documented_details(contacts, chats, staff, start, stop)
    return {
        "follow_user_list": [s.userid for s in staff if s.left_day is None],
        "contacts": contacts,
        "group_chats": chats,
        "tag_groups": tag_groups,
        "deleted_tag_groups": DELETED_TAG_GROUPS,
        "strategy_tag_groups": strategy_tag_groups(start),
        "unassigned": unassigned,
        "contact_ways": build_contact_ways(rng, staff, start),
        "behavior": build_behavior(rng, contacts, staff, start, stop),
        "history": history,
        "unionid_index": unionid_index(people),
    }


# A tag group the corp deleted: get_corp_tag_list shows it only when asked by id, with deleted true.
DELETED_TAG_GROUPS = [
    {
        "group_id": "etdeletedgroup01",
        "group_name": "旧活动",
        "create_time": 1700000000,
        "order": 9,
        "tag": [
            {
                "id": "etdeletedtag0001",
                "name": "双11老客",
                "create_time": 1700000000,
                "order": 0,
                "deleted": True,
            }
        ],
    },
]


def strategy_tag_groups(start: dt.datetime) -> list[dict]:
    """Rule-group tags (规则组标签, document/path/94882): managed per strategy, not in the corp library."""
    created = epoch(start - dt.timedelta(days=300))
    return [
        {
            "group_id": "etstrategygrp001",
            "group_name": "门店规则",
            "create_time": created,
            "order": 0,
            "strategy_id": 1,
            "tag": [
                {"id": f"etstrategytag00{i}", "name": name, "create_time": created, "order": i}
                for i, name in enumerate(["门店A常客", "门店B常客"])
            ],
        },
    ]


def documented_details(
    contacts: list[dict], chats: list[dict], staff: list[Staff], start: dt.datetime, stop: dt.datetime
) -> list[dict]:
    """The documented fields the first generator left out, drawn from generators seeded by each id so the
    world's main random stream (and every other value) stays as it was: a WeCom user's position and full
    company name, a follow's remark company; some chats owned by staff who resigned (status 1/2 from
    groupchat/list, listed only with owner_filter) and a few of their customers still awaiting transfer
    (get_unassigned_list); the state of members who joined by a QR code. Returns the unassigned list."""
    for contact in contacts:
        ext = contact["external_contact"]
        local = random.Random(f"details:{ext['external_userid']}")
        if ext["type"] == 2:
            ext["position"] = local.choice(["采购经理", "店长", "市场专员"])
            ext["corp_full_name"] = ext.get("corp_name", "") + "有限公司"
            ext["external_profile"] = {
                "external_attr": [{"type": 0, "name": "门店", "text": {"value": "华东区"}}]
            }
    resigned = [s for s in staff if s.left_day is not None and start + dt.timedelta(days=s.left_day) < stop]
    customers = {c["external_contact"]["external_userid"] for c in contacts}
    unassigned = []
    for chat in chats:
        local = random.Random(f"chat:{chat['chat_id']}")
        if resigned and local.random() < 0.15:
            owner = local.choice(resigned)
            left_at = epoch(start + dt.timedelta(days=owner.left_day))  # type: ignore[arg-type]  # resigned
            waiting = [m["userid"] for m in chat["member_list"] if m["userid"] in customers][:3]
            # with customers awaiting transfer, as a resigned owner of an uninherited chat has: what
            # makes the resigned member known to a warehouse that never saw them
            if chat["create_time"] < left_at and waiting:
                chat["owner"] = chat["member_list"][0]["userid"] = owner.userid
                chat["status"] = local.choice([1, 2])  # awaiting inheritance / inheriting
                unassigned += [
                    {"handover_userid": owner.userid, "external_userid": e, "dimission_time": left_at}
                    for e in waiting
                ]
        for member in chat["member_list"]:
            if member.get("join_scene") == 3:
                member["state"] = local.choice(QR_CHANNELS)
    return sorted(unassigned, key=lambda u: (u["handover_userid"], u["external_userid"]))


def unionid_index(people: list[Person]) -> dict[str, dict]:
    """What WeCom's ID conversion knows: a mini-program user's (unionid, openid) and, when they are
    on WeCom, their external_userid (whether the contact's detail shows the unionid or not)."""
    return {
        p.unionid: {"openid": p.openid, "external_userid": p.external_userid if p.on_wecom else None}
        for p in people
        if p.on_mp and p.mp_has_unionid
    }
