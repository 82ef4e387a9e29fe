"""A large corp for the WeCom simulator: N external contacts made by index, on demand.

The per-person world (siyu_dev.simulator.world) costs about 1.3 ms and 25 KB a person, too much for
a million contacts. Here every contact, follow, chat and mini-program user is a pure function of
(seed, index, served day): only a few index arrays live in memory (numpy), and each page is built
when it is asked for. It answers through the same handlers, paging, cursors and errcodes as the
simulator's WeComState (document pages cited there); what it changes is where the data come from.

The served ``day`` is a day of change after day 0: every day ``new_share`` of N new contacts, a
``deleted_share`` of the old ones deleted by every staff member, and 1 % of follows retagged. Ids
embed their index (opaque to the client), so a lookup needs no table: an id whose check digits do
not match is unknown, as WeCom answers an invalid one. The corp has no resigned staff (no
unassigned customers, every chat status 0) and ``mark_tag`` is not served (84061).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import sys
import threading
from typing import Any

import numpy as np

from siyu_dev.simulator.wecom import (
    DELETED_TAG_GROUPS,
    GROUP_KINDS,
    QR_CHANNELS,
    build_tag_groups,
    epoch,
    strategy_tag_groups,
)
from siyu_dev.simulator.wecom_server import ROUTES, ApiError, WeComServer, WeComState, _limit, _page

M64 = (1 << 64) - 1
CONTACTS_PER_STAFF = 5000  # staff hold a few thousand customers each (WeCom caps them per staff)
DAY0 = dt.datetime(2026, 12, 1, 16)  # 2026-12-02 00:00 Beijing: the first pull's moment
MP_USERS_PER_CONTACT = 1.2  # mini-program users over N: some are no one's contact (pending_id)
UNLIMITED = {path: (10**12, 10**12) for path in ROUTES}


def mix(x: int) -> int:
    """splitmix64: a deterministic 64-bit hash of an index."""
    x = (x + 0x9E3779B97F4A7C15) & M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M64
    return x ^ (x >> 31)


def mix_array(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        x = x.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _bits(h, shift: int, mod: int):
    return (h >> shift) % mod if isinstance(h, int) else (h >> np.uint64(shift)) % np.uint64(mod)


class LargeCorp(WeComState):
    def __init__(
        self,
        contacts: int,
        day: int = 0,
        seed: int = 1,
        new_share: float = 0.005,
        deleted_share: float = 0.002,
        **options,
    ):
        self.n, self.day, self.seed = contacts, day, seed
        self.salt = mix(seed) & 0xFFFFFFFF
        self.new_per_day = int(contacts * new_share)
        self.deleted_per_mille = deleted_share * 1000
        self.total = contacts + self.new_per_day * day  # indices ever made up to this day
        self.staff = [f"staff{s:05d}" for s in range(max(2, -(-contacts // CONTACTS_PER_STAFF)))]
        served_at = DAY0 + dt.timedelta(days=day)
        start = DAY0 - dt.timedelta(days=720)
        rng = random.Random(seed)
        tag_groups = build_tag_groups(rng, start)
        tag_ids = [t["id"] for g in tag_groups for t in g["tag"]]
        self.start_epoch, self.day0_epoch = epoch(start), epoch(DAY0)
        state = {
            "follow_user_list": list(self.staff),
            "contacts": [],
            "group_chats": [],
            "tag_groups": tag_groups,
            "deleted_tag_groups": DELETED_TAG_GROUPS,
            "strategy_tag_groups": strategy_tag_groups(start),
            "unassigned": [],
            "contact_ways": self._contact_ways(start),
            "behavior": self._behavior(served_at),
        }
        super().__init__(state, now=float(epoch(served_at)), **options)
        self.tag_list, self.tag_ids = sorted(tag_ids), set(tag_ids)
        self._index()
        self._page_lock = threading.Lock()
        self._page_key: tuple | None = None
        self._page_items: Any = None

    # --- who is there: index arrays ---------------------------------------------------------
    def _hash(self, i):
        return mix(i ^ (self.salt << 32)) if isinstance(i, int) else mix_array(i ^ (self.salt << 32))

    def _index(self) -> None:
        idx = np.arange(self.total, dtype=np.int64)
        h = self._hash(idx.astype(np.uint64))
        alive = ~self._deleted(idx, h)
        staff = len(self.staff)
        primary = idx % staff
        second = _bits(h, 24, staff).astype(np.int64)
        shared = (_bits(h, 20, 10) == 0) & (second != primary)
        owner = np.concatenate([primary[alive], second[alive & shared]])
        item = np.concatenate([idx[alive] * 2, idx[alive & shared] * 2 + 1])  # index*2 + which follow
        order = np.lexsort((item, owner))
        owner, item = owner[order], item[order]
        bounds = np.searchsorted(owner, np.arange(staff + 1))
        self.items_of = {self.staff[s]: item[bounds[s] : bounds[s + 1]] for s in range(staff)}
        self.contact_total = int(alive.sum())
        self.follow_total = int(item.size)
        self.alive = alive
        self.chat_total = max(3, self.n // 70)
        self.chats_of: dict[str, list[int]] = {}
        for k in range(self.chat_total):
            self.chats_of.setdefault(self._chat_owner(k), []).append(k)

    def _deleted(self, idx, h):
        """Deleted by every staff member on a day after the contact was added (day ≥ 1 only)."""
        added_on = np.maximum(0, (idx - self.n) // max(1, self.new_per_day) + 1)
        gone = np.zeros(idx.size, dtype=bool)
        for d in range(1, self.day + 1):
            draw = _bits(mix_array(h ^ np.uint64(d)), 7, 1000).astype(np.float64)
            gone |= (draw < self.deleted_per_mille) & (added_on < d)
        return gone

    def is_contact(self, i: int) -> bool:
        return 0 <= i < self.total and bool(self.alive[i])

    # --- ids: the index and check digits ------------------------------------------------------
    def _check(self, kind: str, i: int, width: int) -> str:
        return f"{mix(self._hash(i) ^ _KINDS[kind]):016x}{mix(i ^ _KINDS[kind]):016x}"[:width]

    def external_userid(self, i: int) -> str:
        return f"wm{i:010d}{self._check('wm', i, 20)}"

    def unionid(self, j: int) -> str:
        return f"oU{j:010d}{self._check('oU', j, 16)}"

    def openid(self, j: int) -> str:
        return f"oM{j:010d}{self._check('oM', j, 16)}"

    def _parse(self, value, prefix: str, width: int) -> int | None:
        if not isinstance(value, str) or not value.startswith(prefix) or len(value) != 12 + width:
            return None
        digits = value[2:12]
        if not digits.isdigit():
            return None
        i = int(digits)
        return i if value[12:] == self._check(prefix, i, width) else None

    # --- a contact, as batch/get_by_user answers it (document/path/93010) --------------------
    def contact_type(self, i: int) -> int:
        return 2 if _bits(self._hash(i), 30, 100) == 0 else 1

    def unionid_visible(self, i: int) -> bool:
        return self.contact_type(i) == 1 and _bits(self._hash(i), 37, 10) < 7

    def has_mp(self, j: int) -> bool:
        return _bits(self._hash(j), 41, 10) < 6

    def _item(self, code: int) -> dict:
        i, which = divmod(int(code), 2)
        h = self._hash(i)
        staff = len(self.staff)
        added = self.start_epoch + (self.day0_epoch - self.start_epoch) * i // max(1, self.n)
        if i >= self.n:  # a new contact of a later day
            added = self.day0_epoch + ((i - self.n) // max(1, self.new_per_day)) * 86400 + i % 86400
        ext = {"external_userid": self.external_userid(i), "name": f"客户{i}", "avatar": "", "gender": h % 3}
        ext["type"] = self.contact_type(i)
        if ext["type"] == 2:
            ext["corp_name"] = f"企业{i % 997}"
        elif self.unionid_visible(i):
            ext["unionid"] = self.unionid(i)
        userid = self.staff[i % staff] if which == 0 else self.staff[_bits(h, 24, staff)]
        retagged = sum(1 for d in range(1, self.day + 1) if _bits(mix(h ^ (d << 8)), 50, 100) == 0)
        tags = self.tag_list
        picked = [tags[(_bits(h, 45 + 3 * k, 64) + retagged) % len(tags)] for k in range(_bits(h, 45, 4))]
        qr = _bits(h, 58, 2) == 0
        follow = {
            "userid": userid,
            "remark": f"客户{i}" + ("-门店" if _bits(h, 12, 4) == 0 else ""),
            "description": "",
            "createtime": added + which * 86400 * 3,
            "tag_id": list(dict.fromkeys(picked)),
            "remark_corp_name": "",
            "remark_mobiles": [f"139{i % 10**8:08d}"] if _bits(h, 55, 100) < 18 else [],
            "oper_userid": userid if qr else ext["external_userid"],
            "add_way": (1 if qr else 3) if which == 0 else 201,
        }
        if qr and which == 0:
            follow["state"] = QR_CHANNELS[i % len(QR_CHANNELS)]
        return {"external_contact": ext, "follow_info": follow}

    def batch_get_by_user(self, query: dict, body: dict) -> dict:
        userids = body.get("userid_list") or []
        if not userids or len(userids) > 100:
            raise ApiError(40058, "userid_list must hold 1 to 100 userids")
        key = tuple(userids)
        with self._page_lock:  # the pages of one request body share its item list
            if key != self._page_key:
                parts = [self.items_of[u] for u in userids if u in self.items_of]
                self._page_key = key
                self._page_items = np.concatenate(parts) if parts else np.zeros(0, np.int64)
            items = self._page_items
        chunk, cursor = _page(items, body, _limit(body, 50, 100, clamp=True))
        return {"external_contact_list": [self._item(c) for c in chunk], "next_cursor": cursor}

    def mark_tag(self, query: dict, body: dict) -> dict:
        raise ApiError(84061, "not external contact")

    # --- customer groups (document/path/92120, 92122) ----------------------------------------
    def _chat_owner(self, k: int) -> str:
        return self.staff[mix(k ^ self.salt) % len(self.staff)]

    def chat_id(self, k: int) -> str:
        return f"wr{k:010d}{self._check('wr', k, 20)}"

    def chat_size(self, k: int) -> int:
        h = mix(k ^ (self.salt << 1))
        kind = h % 100
        low, high = (3, 20) if kind < 55 else (21, 120) if kind < 90 else (121, 400)
        return low + (h >> 8) % (high - low + 1)

    def groupchat_list(self, query: dict, body: dict) -> dict:
        owners = (body.get("owner_filter") or {}).get("userid_list") or []
        if len(owners) > 100:
            raise ApiError(40058, "owner_filter.userid_list holds at most 100 userids")
        if not owners:
            if len(self.staff) > self.visible_staff_limit:
                raise ApiError(81017, "too many visible staff, use owner_filter")
            owners = self.staff
        chats = sorted(k for o in owners for k in self.chats_of.get(o, []))
        chunk, cursor = _page(chats, body, _limit(body, 0, 1000, clamp=False))
        return {
            "group_chat_list": [{"chat_id": self.chat_id(k), "status": 0} for k in chunk],
            "next_cursor": cursor,
        }

    def groupchat_get(self, query: dict, body: dict) -> dict:
        k = self._parse(body.get("chat_id"), "wr", 20)
        if k is None or k >= self.chat_total:
            raise ApiError(40050, "chatid not exist")
        owner = self._chat_owner(k)
        created = self.start_epoch + (self.day0_epoch - self.start_epoch) * k // self.chat_total
        need_name = bool(body.get("need_name"))
        members: list[dict[str, Any]] = [
            {"userid": owner, "type": 1, "join_time": created, "join_scene": 1, "invitor": {"userid": owner}}
        ]
        first, stride = mix(k ^ (self.salt << 2)) % max(1, self.n), 7919
        for m in range(self.chat_size(k) - 1):
            i = (first + m * stride) % max(1, self.n)
            member: dict[str, Any] = {
                "userid": self.external_userid(i),
                "type": 2,
                "join_time": created + m * 600,
                "join_scene": 3 if m % 3 == 0 else 1,
                "group_nickname": "",
            }
            if member["join_scene"] == 1:
                member["invitor"] = {"userid": owner}
            else:
                member["state"] = QR_CHANNELS[m % len(QR_CHANNELS)]
            if self.unionid_visible(i):
                member["unionid"] = self.unionid(i)
            members.append(member)
        if need_name:
            for named in members:
                named["name"] = named["userid"] if named["type"] == 1 else f"客户{named['userid'][2:12]}"
        version = hashlib.md5(repr(members).encode()).hexdigest()
        return {
            "group_chat": {
                "chat_id": self.chat_id(k),
                "name": f"{GROUP_KINDS[k % len(GROUP_KINDS)]}{k + 1}",
                "owner": owner,
                "create_time": created,
                "notice": "",
                "member_list": members,
                "admin_list": [],
                "member_version": version,
            }
        }

    def member_total(self) -> int:
        return sum(self.chat_size(k) for k in range(self.chat_total))

    # --- ID conversion (document/path/97108) -------------------------------------------------
    def mp_user_indices(self) -> list[int]:
        """The mini-program users with a unionid: contacts' and no one's (pending_id)."""
        return [j for j in range(int(self.n * MP_USERS_PER_CONTACT)) if self.has_mp(j)]

    def unionid_to_external_userid(self, query: dict, body: dict) -> dict:
        unionid, openid = body.get("unionid"), body.get("openid")
        if not unionid or not openid:
            raise ApiError(40058, "unionid and openid are required")
        j = self._parse(unionid, "oU", 16)
        if j is None or not self.has_mp(j) or self._parse(openid, "oM", 16) != j:
            raise ApiError(40003, "invalid unionid or openid")
        if self.is_contact(j) and self.contact_type(j) == 1:
            return {"external_userid": self.external_userid(j)}
        return {"pending_id": self._pending_id(self.unionid(j))}

    def external_userid_to_pending_id(self, query: dict, body: dict) -> dict:
        """Contacts added after day 0 whose mini-program user was converted before: their pending_id."""
        externals = body.get("external_userid") or []
        if not externals or len(externals) > 100:
            raise ApiError(40058, "external_userid must hold 1 to 100 ids")
        result = []
        for e in externals:
            i = self._parse(e, "wm", 20)
            if i is not None and i >= self.n and self.is_contact(i) and self.has_mp(i):
                result.append({"external_userid": e, "pending_id": self._pending_id(self.unionid(i))})
        return {"result": result}

    # --- the small parts -----------------------------------------------------------------------
    def _contact_ways(self, start: dt.datetime) -> list[dict]:
        return [
            {
                "config_id": f"cw{n:028d}",
                "create_time": epoch(start + dt.timedelta(days=90 * n)),
                "qr_code": f"https://wework.qq.com/q/siyu-{state}",
                "is_temp": False,
                "type": 2,
                "scene": 2,
                "style": 1,
                "remark": f"渠道活码 {state}",
                "skip_verify": True,
                "state": state,
                "user": self.staff[:100],
                "party": [],
            }
            for n, state in enumerate(QR_CHANNELS)
        ]

    def _behavior(self, served_at: dt.datetime) -> dict[str, list[dict]]:
        """get_user_behavior_data: 40 days a staff member, Beijing days."""
        last = epoch(served_at) - 86400
        rows = {}
        for s, userid in enumerate(self.staff):
            rows[userid] = [
                {
                    "stat_time": last - d * 86400,
                    "chat_cnt": (s + d) % 40,
                    "message_cnt": (s + d) % 40 * 3,
                    "negative_feedback_cnt": 0,
                    "new_apply_cnt": (s * d) % 7,
                    "new_contact_cnt": (s * d) % 5,
                }
                for d in range(39, -1, -1)
            ]
        return rows


_KINDS = {kind: mix(n + 101) for n, kind in enumerate(("wm", "oU", "oM", "wr"))}


def serve_large(
    contacts: int,
    day: int = 0,
    seed: int = 1,
    port: int = 0,
    unlimited: bool = False,
    faults: float = 0.0,
    **options,
):
    """Start a large corp on loopback in a background thread; ``unlimited``: no per-API rate limits
    (a bench that computes WeCom's pacing from its call counts instead of waiting for it)."""
    if unlimited:
        options["limits"] = UNLIMITED
    corp = LargeCorp(contacts, day, seed, **options)
    server = WeComServer(("127.0.0.1", port), corp, faults, seed)
    thread = threading.Thread(target=server.serve_forever, name="wecom-large-corp", daemon=True)
    thread.start()
    return server, thread


def main(argv: list[str] | None = None) -> None:
    """``python -m siyu_dev.simulator.wecom_large --contacts N``: serve until killed; prints the port."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, required=True)
    parser.add_argument("--day", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--unlimited", action="store_true")
    args = parser.parse_args(argv)
    server, thread = serve_large(args.contacts, args.day, args.seed, args.port, args.unlimited)
    print(server.server_port, flush=True)
    try:
        thread.join()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
