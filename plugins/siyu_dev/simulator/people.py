"""The simulated population: people with ground-truth identifiers, and the brand's staff.

Everything is drawn from one seeded ``random.Random`` in a fixed order, so the same arguments give the
same world byte for byte. The noise the identity resolver must survive is made here on purpose:
contacts whose unionid WeCom does not expose, users who never authorise their phone, family members
whose phone appears on each other's orders, a store clerk's phone on hundreds of orders, and test
accounts all on 13800138000.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from faker import Faker

TEST_PHONE = "13800138000"
PROVINCES = {
    "上海": ["上海"],
    "北京": ["北京"],
    "广东": ["广州", "深圳", "佛山", "东莞"],
    "浙江": ["杭州", "宁波", "温州"],
    "江苏": ["南京", "苏州", "无锡"],
    "四川": ["成都", "绵阳"],
    "湖北": ["武汉", "宜昌"],
    "山东": ["济南", "青岛", "临沂"],
    "河南": ["郑州", "洛阳"],
    "福建": ["福州", "厦门"],
}


@dataclass
class Staff:
    userid: str
    name: str
    hired_day: int  # day index (0 = first simulated day; negative = before the window)
    left_day: int | None = None  # the day they resigned; their customers are inherited
    successor: str | None = None


@dataclass
class Person:
    person_id: str
    kind: str  # customer | clerk | test
    name: str
    gender: int  # WeCom: 0 unknown, 1 male, 2 female
    province: str
    city: str
    phone: str | None
    unionid: str
    openid: str
    external_userid: str
    acquired_at: dt.datetime  # first touch with the brand (naive UTC)
    channel: str  # contact-way state or mini-program entry that brought them in
    on_wecom: bool
    on_mp: bool
    unionid_visible_in_wecom: bool
    mp_has_unionid: bool
    mp_phone_authorised: bool
    buyer_propensity: float
    activity: float
    family_phone: str | None = None
    inviter: str | None = None  # person_id of who shared the mini-program with them
    tags: list[str] = field(default_factory=list)


def _token(rng: random.Random, prefix: str, length: int) -> str:
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"
    return prefix + "".join(rng.choice(alphabet) for _ in range(length))


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))


CHANNELS = [  # (state of the live QR code, weight)
    ("store_qr", 30),
    ("package_card", 20),
    ("live_stream", 15),
    ("ad_douyin", 10),
    ("event_booth", 5),
    ("mp_share", 10),  # came through a friend's mini-program share
    ("organic", 10),  # searched / no QR code
]


def build_staff(rng: random.Random, people: int, days: int) -> list[Staff]:
    count = max(4, people // 400)
    staff = [
        Staff(f"staff_{i + 1:03d}", f"导购{i + 1:02d}", hired_day=-rng.randint(30, 700)) for i in range(count)
    ]
    # One in six leaves during the window; a colleague inherits their customers (add_way 202).
    for i in range(0, count, 6):
        if i + 1 < count and days >= 10:
            staff[i].left_day = rng.randint(days // 3, days - 3)
            staff[i].successor = staff[i + 1].userid
    return staff


def build_people(
    rng: random.Random, faker: Faker, people: int, start: dt.datetime, days: int
) -> list[Person]:
    window = dt.timedelta(days=days)
    result = []
    states, weights = zip(*CHANNELS, strict=True)
    for i in range(people):
        gender = rng.choices([0, 1, 2], [5, 30, 65])[0]
        province = rng.choices(list(PROVINCES), [14, 10, 16, 12, 12, 8, 7, 8, 7, 6])[0]
        # A third were already customers before the simulated window (history for RFM and lifecycle).
        if rng.random() < 0.35:
            acquired = start - dt.timedelta(days=rng.uniform(1, 330))
        else:
            acquired = start + window * rng.random()
        on_wecom = rng.random() < 0.72
        on_mp = rng.random() < 0.78 or not on_wecom
        result.append(
            Person(
                person_id=f"p{i + 1:07d}",
                kind="customer",
                name=faker.name_female() if gender == 2 else faker.name(),
                gender=gender,
                province=province,
                city=rng.choice(PROVINCES[province]),
                phone=_phone(rng) if rng.random() < 0.92 else None,
                unionid=_token(rng, "oU", 26),
                openid=_token(rng, "oM", 26),
                external_userid=_token(rng, "wm", 30),
                acquired_at=acquired.replace(microsecond=0),
                channel=rng.choices(states, weights)[0],
                on_wecom=on_wecom,
                on_mp=on_mp,
                # About 30 % of contacts come without unionid (WeChat not bound / privacy).
                unionid_visible_in_wecom=rng.random() < 0.70,
                mp_has_unionid=rng.random() < 0.88,
                # 20 % never authorise their phone in the mini-program.
                mp_phone_authorised=rng.random() < 0.80,
                buyer_propensity=rng.betavariate(1.2, 2.5),
                activity=rng.betavariate(1.5, 3.0),
            )
        )
    _link_families(rng, result)
    _link_referrals(rng, result)
    return result


def _link_families(rng: random.Random, people: list[Person]) -> None:
    # 6 % live with someone whose phone they put on orders as the receiver (never merge on that).
    with_phone = [p for p in people if p.phone]
    for person in people:
        if rng.random() < 0.06 and with_phone:
            partner = rng.choice(with_phone)
            if partner is not person:
                person.family_phone = partner.phone


def _link_referrals(rng: random.Random, people: list[Person]) -> None:
    earlier = sorted((p for p in people if p.on_mp), key=lambda p: p.acquired_at)
    for idx, person in enumerate(earlier[1:], start=1):
        if person.channel == "mp_share":
            person.inviter = earlier[rng.randrange(max(0, idx - 200), idx)].person_id


def special_people(rng: random.Random, start: dt.datetime) -> list[Person]:
    """The store clerk (her phone receives store-pickup orders) and the QA team's test accounts."""

    def special(pid: str, kind: str, name: str, phone: str) -> Person:
        return Person(
            person_id=pid,
            kind=kind,
            name=name,
            gender=2,
            province="上海",
            city="上海",
            phone=phone,
            unionid=_token(rng, "oU", 26),
            openid=_token(rng, "oM", 26),
            external_userid=_token(rng, "wm", 30),
            acquired_at=start - dt.timedelta(days=200),
            channel="organic",
            on_wecom=kind == "clerk",
            on_mp=True,
            unionid_visible_in_wecom=True,
            mp_has_unionid=True,
            mp_phone_authorised=True,
            buyer_propensity=0.0,
            activity=0.05,
        )

    clerk = special("p_clerk", "clerk", "店员小王", _phone(rng))
    tests = [special(f"p_test{i}", "test", f"测试{i}", TEST_PHONE) for i in range(1, 7)]
    return [clerk, *tests]
