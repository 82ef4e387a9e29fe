"""A synthetic world for `siyu bench warehouse`: every raw entity the warehouse reads, for N people.

`siyu simulate` draws a world person by person (about 1.3 ms and 25 KB a person); this draws the
same world in numpy arrays, with the simulator's rates and noise (siyu_dev.simulator: who is on the
mini-program and on WeCom, unionids WeCom hides, phones never authorised, family receivers, the
store clerk's phone on 6.5 % of orders, test accounts on 13800138000, order statuses and refunds,
sessions of events, referrals through shares, staff who resign and hand over their customers,
contacts deleted by every staff member, groups of all sizes). Identifiers have their real widths
(siyu_dev.bench_identity.WIDTH); phones are stand-in pseudonyms but for the test number's real one.

Where it departs from the simulator, on purpose:
- a buyer's order count is the simulator's draw made ``ORDER_DRAWS`` times (a mature brand's repeat
  rate: about 3 orders a person, the 3M orders at 1M people of issue 15, where one draw gives 0.6);
- a session's active days are drawn with replacement (two sessions can fall on one day);
- no names: remarks, nicknames and member names are left empty (they are personal data and no
  model reads them).

The lake holds ``lake_days`` daily runs ending on DAY, landed as the pipeline lands them: the first
run takes all history (the app DB's first extraction, the tracking inbox's backlog), every later run
the rows that changed in its window; WeCom is a full snapshot every day, as the corp stood then.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from siyu.contracts import RAW, TS, raw_schema
from siyu.lake import Lake, Partition
from siyu.sources.wecom.extract import BEHAVIOR_DAYS
from siyu_dev.bench_identity import DAY, id_array, write_contract
from siyu_dev.simulator.appdb import CATALOG, PAY_METHODS, SCENES
from siyu_dev.simulator.people import CHANNELS, PROVINCES, TEST_PHONE
from siyu_dev.simulator.tracking import KEYWORDS, PAGES
from siyu_dev.simulator.wecom import ADMIN_USERID, GROUP_KINDS, QR_CHANNELS, TAG_GROUPS

SEC = 86400
ORDER_DRAWS = 5
BATCH_ROWS = 1_000_000  # rows generated and written at a time: memory stays flat
EVENT_NAMES = ("login", "page_view", "search", "product_view", "add_to_cart", "favorite", "share")
EVENT_PAGES = ("home", "home", "search", "item", "item", "item", "item")
CUSTOMER, CLERK, TEST = 0, 1, 2
# strides coprime to the catalogue's 26 items: base + i × stride gives distinct items (a sample)
COPRIME_STEPS = [s for s in range(1, len(CATALOG)) if np.gcd(s, len(CATALOG)) == 1]


def progress_bar():
    """Progress on stderr, so stdout keeps only the report."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    )


def _ts(seconds: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    values = (np.asarray(seconds, np.int64) * 1_000_000).astype("datetime64[us]")
    return pa.array(values, TS, mask=None if valid is None else ~valid)


def _date(days: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(days, "datetime64[D]"), pa.date32())


def _money(cents: np.ndarray) -> pa.Array:
    """decimal(12, 2) straight from integer cents (Arrow's decimal is a 128-bit unscaled integer)."""
    cents = np.asarray(cents, np.int64)
    words = np.stack([cents, np.where(cents < 0, -1, 0)], axis=1).astype("<i8")
    return pa.Array.from_buffers(pa.decimal128(12, 2), len(cents), [None, pa.py_buffer(words)])


def _pick(values, index: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """values[index] as an Arrow array (null where not valid): small dictionaries, big columns."""
    values = values if isinstance(values, pa.Array) else pa.array(values)
    index = np.asarray(index, np.int64)
    return values.take(pa.array(index, mask=None if valid is None else ~valid))


def _where(valid: np.ndarray, values: pa.Array) -> pa.Array:
    return pc.if_else(pa.array(valid), values, pa.scalar(None, values.type))


class World:
    """The people, their staff and the clock, drawn once; the entities are drawn from them."""

    def __init__(self, people: int, seed: int = 1, lake_days: int = 30, event_days: int = 75):
        from siyu.config import settings
        from siyu.privacy import phone_hash

        self.rng = rng = np.random.default_rng(seed)
        self.days = np.datetime64(DAY) - np.arange(lake_days - 1, -1, -1)  # the runs, oldest first
        # a run reads its sources at the end of its day (siyu_dev.simulator.timeline.run_moment)
        self.moments = (self.days + 1).astype("datetime64[s]").astype(np.int64)
        self.stop = int(self.moments[-1])
        self.start = self.stop - event_days * SEC  # the simulated window: events, acquisitions
        n = people
        total = n + 7  # the store clerk and six test accounts (siyu_dev.simulator.people.special_people)
        self.n, self.total = n, total
        kind = np.full(total, CUSTOMER, np.int8)
        kind[n], kind[n + 1 :] = CLERK, TEST
        self.kind = kind
        before = rng.random(total) < 0.35  # a third were customers before the window
        acquired = np.where(
            before,
            self.start - rng.uniform(1, 330, total) * SEC,
            self.start + rng.random(total) * (self.stop - self.start),
        ).astype(np.int64)
        acquired[n:] = self.start - 200 * SEC
        self.acquired = acquired
        self.gender = rng.choice([0, 1, 2], total, p=[0.05, 0.30, 0.65]).astype(np.int8)
        provinces = list(PROVINCES)
        weights = np.array([14, 10, 16, 12, 12, 8, 7, 8, 7, 6], float)
        self.province_names = provinces
        self.province = rng.choice(len(provinces), total, p=weights / weights.sum())
        counts = np.array([len(PROVINCES[p]) for p in provinces])
        self.city_names = [c for p in provinces for c in PROVINCES[p]]
        self.city = (np.cumsum(counts) - counts)[self.province] + (
            rng.random(total) * counts[self.province]
        ).astype(int)
        self.province[n:], self.city[n:] = 0, 0  # 上海
        self.has_phone = (rng.random(total) < 0.92) | (kind != CUSTOMER)
        self.on_wecom = (rng.random(total) < 0.72) & (kind != TEST) | (kind == CLERK)
        self.on_mp = (rng.random(total) < 0.78) | ~self.on_wecom
        self.unionid_visible = (rng.random(total) < 0.70) | (kind != CUSTOMER)
        self.mp_unionid = (rng.random(total) < 0.88) | (kind != CUSTOMER)
        self.phone_authorised = (rng.random(total) < 0.80) | (kind != CUSTOMER)
        self.buyer = np.where(kind == CUSTOMER, rng.beta(1.2, 2.5, total), 0.0)
        self.activity = np.where(kind == CUSTOMER, rng.beta(1.5, 3.0, total), 0.05)
        states, channel_weights = zip(*CHANNELS, strict=True)
        self.channel_names = list(states)
        self.channel = rng.choice(len(states), total, p=np.array(channel_weights) / sum(channel_weights))
        self.channel[n:] = self.channel_names.index("organic")
        with_phone = np.flatnonzero(self.has_phone[:n])
        self.family = np.where(
            (rng.random(total) < 0.06) & (kind == CUSTOMER), rng.choice(with_phone, total), -1
        )
        self.inviter = self._inviters()
        self.openid, self.unionid = id_array("o", np.arange(total)), id_array("u", np.arange(total))
        self.external_userid = id_array("wm", np.arange(total))
        test_phone = phone_hash(TEST_PHONE, settings().pii_key)
        self.phone = pa.concat_arrays([id_array("h", np.arange(n + 1)), pa.array([test_phone] * 6)])
        # staff: one per 400 people; one in six resigns during the window, the next one inherits
        staff = max(4, n // 400)
        self.staff_userid = pa.array([f"staff_{i + 1:05d}" for i in range(staff)])
        self.left_at = np.full(staff, np.iinfo(np.int64).max)
        if event_days >= 10:
            leaving = np.arange(0, staff - 1, 6)
            self.left_at[leaving] = (
                self.start + rng.integers(event_days // 3, event_days - 2, len(leaving)) * SEC
            )
        self.staff = staff

    def _inviters(self) -> np.ndarray:
        """Who shared the mini-program with each mp_share person: one of the 200 mini-program
        users who came just before them (siyu_dev.simulator.people._link_referrals)."""
        inviter = np.full(self.total, -1)
        earlier = np.flatnonzero(self.on_mp)
        earlier = earlier[np.argsort(self.acquired[earlier], kind="stable")]
        rank = np.arange(len(earlier))
        shared = (self.channel[earlier] == self.channel_names.index("mp_share")) & (rank > 0)
        back = 1 + (self.rng.random(len(earlier)) * np.minimum(rank, 200)).astype(int)
        inviter[earlier[shared]] = earlier[rank[shared] - back[shared]]
        return inviter

    def run_of(self, seconds: np.ndarray) -> np.ndarray:
        """The run whose window holds an instant (the first takes all before it); -1 after the last."""
        seconds = np.asarray(seconds, np.int64)
        run = np.where(seconds <= self.moments[0], 0, -((self.moments[0] - seconds) // SEC))
        return np.where(seconds <= self.stop, run, -1)

    def working(self, staff: np.ndarray, at: np.ndarray) -> np.ndarray:
        """The staff member at ``at``: a colleague (the next one) for one who had left by then."""
        return np.where(self.left_at[staff] <= at, staff + 1, staff)

    # --- the app DB ---------------------------------------------------------------------------

    def mp_users(self) -> tuple[pa.Table, np.ndarray, dict]:
        """Versions of the mini-program users as extractions land them (siyu_dev.simulator.appdb._user,
        timeline.appdb_rows_at: the phone comes with a later version once authorised)."""
        rng = self.rng
        mp = np.flatnonzero(self.on_mp)
        created = self.acquired[mp] + np.where(
            self.on_wecom[mp] & (rng.random(len(mp)) < 0.5), rng.uniform(0, 20, len(mp)) * SEC, 0
        ).astype(np.int64)
        keep = created < self.stop
        mp, created = mp[keep], created[keep]
        authorised = created + (rng.uniform(0, 10, len(mp)) * SEC).astype(np.int64)
        late_phone = (
            (self.kind[mp] == CUSTOMER)
            & self.phone_authorised[mp]
            & self.has_phone[mp]
            & (authorised < self.stop)
        )
        # each channel's entry scenes, repeated to six columns (every count divides six): a uniform pick
        scenes = np.array([[SCENES[c][i % len(SCENES[c])] for i in range(6)] for c in self.channel_names])
        first_scene = scenes[self.channel[mp], rng.integers(0, 6, len(mp))]
        self.mp, self.mp_created, self.first_scene = mp, created, first_scene
        # a version lands with the run whose window holds it; a later one in the same window wins
        first_run, phone_run = self.run_of(created), self.run_of(authorised)
        first_kept = ~(late_phone & (phone_run == first_run))
        rows = np.concatenate([np.flatnonzero(first_kept), np.flatnonzero(late_phone)])
        is_phone_version = np.concatenate([np.zeros(first_kept.sum(), bool), np.ones(late_phone.sum(), bool)])
        who = mp[rows]
        updated = np.where(is_phone_version, authorised[rows], created[rows])
        inviter = self.inviter[who]
        table = pa.table(
            {
                "openid": _pick(self.openid, who),
                "unionid": _pick(self.unionid, who, self.mp_unionid[who]),
                "phone_hash": _pick(self.phone, who, is_phone_version | (self.kind[who] == TEST)),
                "first_scene": pa.array(first_scene[rows], pa.int32()),
                "inviter_openid": _pick(self.openid, np.maximum(inviter, 0), inviter >= 0),
                "created_at": _ts(created[rows]),
                "updated_at": _ts(updated),
            }
        )
        return table, self.run_of(updated), {"appdb.mp_users": len(mp)}

    def orders(self) -> Iterator[tuple[str, pa.Table, np.ndarray]]:
        """Orders, their lines and refunds (siyu_dev.simulator.appdb._order), each order landed in every
        run whose window changed it, at the status it had then (timeline._order_at)."""
        rng = self.rng
        buyers = self.mp[self.kind[self.mp] != CLERK]
        created_user = self.mp_created[self.kind[self.mp] != CLERK]
        p = self.buyer[buyers]
        first, repeat = np.minimum(0.95, 1.3 * p), np.minimum(0.95, 0.9 * p)
        count = np.zeros(len(buyers), np.int64)
        for _ in range(ORDER_DRAWS):
            extra = np.minimum(rng.geometric(np.maximum(1 - repeat, 0.05)) - 1, 11)
            count += (rng.random(len(buyers)) < first) * (1 + extra)
        count[self.kind[buyers] == TEST] = np.maximum(count[self.kind[buyers] == TEST], 1)
        pos = np.repeat(np.arange(len(buyers)), count)
        person = buyers[pos]
        span = np.maximum(self.stop - created_user[pos], 61)
        created = (created_user[pos] + rng.uniform(60, span)).astype(np.int64)
        order = np.lexsort((created, pos))
        person, created = person[order], created[order]
        k = len(person)
        self.order_person, self.order_created = person, created
        order_id = id_array("ord", np.arange(k))
        # lines: 1-3 distinct items, quantities 1-3
        lines = rng.choice([1, 2, 3], k, p=[0.6, 0.3, 0.1])
        line_order = np.repeat(np.arange(k), lines)
        line_no = np.arange(len(line_order)) - np.repeat(np.cumsum(lines) - lines, lines)
        step = rng.choice(COPRIME_STEPS, k)
        item = (rng.integers(0, len(CATALOG), k)[line_order] + line_no * step[line_order]) % len(CATALOG)
        quantity = rng.choice([1, 2, 3], len(line_order), p=[0.8, 0.15, 0.05])
        price_cents = np.array([price * 100 for _, _, price in CATALOG])[item]
        cents = np.bincount(line_order, quantity * price_cents, minlength=k).astype(np.int64)
        cents[self.kind[person] == TEST] = 1
        # status (siyu_dev.simulator.appdb._order)
        age = self.stop - created
        cancelled = rng.random(k) < 0.08
        paid = ~cancelled & (age >= 900)
        paid_at = created + rng.uniform(30, 840, k).astype(np.int64)
        updated = np.where(
            cancelled, np.minimum(created + 1800, self.stop - 1), np.where(paid, paid_at, created)
        )
        status = np.where(cancelled, 3, np.where(paid, 1, 0))  # index into STATUSES
        shipped = paid & (age > SEC)
        updated = np.where(shipped, created + rng.uniform(4, 23, k).astype(np.int64) * 3600, updated)
        status = np.where(shipped, 2, status)
        completed = paid & (age > 8 * SEC)
        updated = np.where(completed, created + (rng.uniform(3, 7, k) * SEC).astype(np.int64), updated)
        status = np.where(completed, 4, status)
        refunded_at = paid_at + (rng.uniform(0.1, 6, k) * SEC).astype(np.int64)
        refund = paid & (rng.random(k) < 0.05) & (refunded_at < self.stop)
        full = rng.random(k) < 0.5
        status = np.where(refund & full, 5, status)
        updated = np.where(refund & full, refunded_at, updated)
        statuses = pa.array(["created", "paid", "shipped", "cancelled", "completed", "refunded"])
        roll = rng.random(k)
        family = self.family[person]
        receiver = np.where(
            roll < 0.065,
            self.n,
            np.where(
                (roll < 0.185) & (family >= 0), family, np.where(self.has_phone[person], person, family)
            ),
        )
        pay_method = _pick(PAY_METHODS, rng.integers(0, len(PAY_METHODS), k), paid)
        # versions: created, then paid (when it was paid before its final change), then final
        paid_version = paid & (paid_at < updated)
        created_version = created < np.where(paid_version, paid_at, updated)
        final_run, paid_run, created_run = self.run_of(updated), self.run_of(paid_at), self.run_of(created)
        next_run = np.where(paid_version, paid_run, final_run)
        version = [
            ("created", np.flatnonzero(created_version & (created_run != next_run))),
            ("paid", np.flatnonzero(paid_version & (paid_run != final_run))),
            ("final", np.arange(k)),
        ]
        parts, runs = [], []
        for name, rows in version:
            row_status = {"created": np.zeros(len(rows), int), "paid": np.ones(len(rows), int)}.get(
                name, status[rows]
            )
            is_paid = paid[rows] if name != "created" else np.zeros(len(rows), bool)
            at = {"created": created[rows], "paid": paid_at[rows]}.get(name, updated[rows])
            parts.append(
                pa.table(
                    {
                        "order_id": order_id.take(pa.array(rows)),
                        "openid": _pick(self.openid, person[rows]),
                        "status": _pick(statuses, row_status),
                        "amount": _money(cents[rows]),
                        "pay_method": _where(is_paid, pay_method.take(pa.array(rows))),
                        "receiver_phone_hash": _pick(
                            self.phone, np.maximum(receiver[rows], 0), receiver[rows] >= 0
                        ),
                        "province": _pick(self.province_names, self.province[person[rows]]),
                        "city": _pick(self.city_names, self.city[person[rows]]),
                        "paid_at": _ts(paid_at[rows], is_paid),
                        "created_at": _ts(created[rows]),
                        "updated_at": _ts(at),
                    }
                )
            )
            runs.append(self.run_of(at))
        yield "orders", pa.concat_tables(parts), np.concatenate(runs)
        yield (
            "order_items",
            pa.table(
                {
                    "order_id": order_id.take(pa.array(line_order)),
                    "line_no": pa.array(line_no + 1, pa.int32()),
                    "item_id": _pick([i for i, _, _ in CATALOG], item),
                    "category": _pick([c for _, c, _ in CATALOG], item),
                    "quantity": pa.array(quantity, pa.int32()),
                    "unit_price": _money(price_cents),
                    "updated_at": _ts(created[line_order]),
                }
            ),
            created_run[line_order],
        )
        rows = np.flatnonzero(refund)
        yield (
            "refunds",
            pa.table(
                {
                    "refund_id": id_array("rf", rows),
                    "order_id": order_id.take(pa.array(rows)),
                    "amount": _money(np.where(full[rows], cents[rows], np.round(cents[rows] * 0.3))),
                    "reason": _pick(
                        ["不想要了", "质量问题", "发错货", "过敏"], rng.integers(0, 4, len(rows))
                    ),
                    "created_at": _ts(refunded_at[rows]),
                    "updated_at": _ts(refunded_at[rows]),
                }
            ),
            self.run_of(refunded_at[rows]),
        )

    # --- tracking -----------------------------------------------------------------------------

    def events(self) -> dict:
        """Sessions of events (siyu_dev.simulator.tracking.build_events) as numpy columns, sorted by
        session: a day active with probability activity × 0.35, a session on a user's first day,
        one before each order, a share by the inviter before a referred user's first visit."""
        rng = self.rng
        customer = self.kind[self.mp] == CUSTOMER
        mp, created = self.mp[customer], self.mp_created[customer]
        first = np.maximum(created, self.start)
        days = (self.stop - first) // SEC
        is_first = created >= self.start
        active = rng.binomial(days + ~is_first, self.activity[mp] * 0.35)
        who = np.concatenate([np.flatnonzero(is_first), np.repeat(np.arange(len(mp)), active)])
        offset = np.concatenate(
            [
                np.zeros(is_first.sum(), np.int64),
                rng.integers(
                    is_first[np.repeat(np.arange(len(mp)), active)].astype(int),
                    days[np.repeat(np.arange(len(mp)), active)] + 1,
                ),
            ]
        )
        day_start = (first[who] + offset * SEC) // SEC * SEC
        at = day_start + rng.uniform(0, 86000, len(who)).astype(np.int64)
        at = np.where(offset == 0, np.maximum(at, created[who]), at)
        opening = np.zeros(len(who), bool)
        opening[: is_first.sum()] = True
        scene = np.where(
            opening, self.first_scene[customer][who], rng.choice([1001, 1089, 1089, 1037, 1007], len(who))
        )
        # one session before each order in the window: two items, scene 1089, no share
        orders = np.flatnonzero(
            (self.order_created >= self.start) & (self.kind[self.order_person] == CUSTOMER)
        )
        person = np.concatenate([mp[who], self.order_person[orders]])
        at = np.concatenate([at, self.order_created[orders] - 900])
        scene = np.concatenate([scene, np.full(len(orders), 1089)])
        opening = np.concatenate([opening, np.zeros(len(orders), bool)])
        day_session = np.concatenate([np.ones(len(who), bool), np.zeros(len(orders), bool)])
        items = np.where(day_session, rng.choice([0, 1, 1, 2, 3, 5], len(person)), 2)
        kept = at < self.stop - 3600
        person, at, scene, opening, day_session, items = (
            a[kept] for a in (person, at, scene, opening, day_session, items)
        )
        s = len(person)
        # the events of each session, in order: login? page_view search? (product_view cart? fav?)* share?
        blocks = []  # (session, position, event, item)

        def block(mask: np.ndarray, position, event: int, item=None) -> None:
            rows = np.flatnonzero(mask)
            blocks.append(
                (
                    rows,
                    np.broadcast_to(position, len(rows)) if np.isscalar(position) else position[mask],
                    event,
                    np.full(len(rows), -1) if item is None else item[mask],
                )
            )

        block(rng.random(s) < 0.15, 0, 0)
        block(np.ones(s, bool), 1, 1)
        block(rng.random(s) < 0.3, 2, 2)
        item_session = np.repeat(np.arange(s), items)
        nth = np.arange(len(item_session)) - np.repeat(np.cumsum(items) - items, items)
        step = rng.choice(COPRIME_STEPS, s)
        item = (rng.integers(0, len(CATALOG), s)[item_session] + nth * step[item_session]) % len(CATALOG)
        every = np.ones(len(item_session), bool)
        for event, share, where_ in ((3, None, every), (4, 0.25, None), (5, 0.08, None)):
            mask = where_ if share is None else rng.random(len(item_session)) < share
            rows = np.flatnonzero(mask)  # type: ignore[arg-type]
            blocks.append((item_session[rows], 3 + 3 * nth[rows] + event - 3, event, item[rows]))
        sharing = day_session & (rng.random(s) < 0.06)
        block(sharing, 99, 6, rng.integers(0, len(CATALOG), s))
        session = np.concatenate([b[0] for b in blocks])
        position = np.concatenate([np.asarray(b[1], np.int64) for b in blocks])
        event = np.concatenate([np.full(len(b[0]), b[2], np.int8) for b in blocks])  # type: ignore[assignment]
        item_of = np.concatenate([b[3] for b in blocks]).astype(np.int8)
        order = np.argsort(session.astype(np.int64) * 128 + position, kind="stable")
        session, event, item_of = session[order], event[order], item_of[order]  # type: ignore[index]
        ticked = (event != 0) & (event != 6)
        tick = np.where(ticked, rng.integers(5, 241, len(event)), 0)
        elapsed = np.cumsum(tick)
        starts = np.flatnonzero(np.r_[True, session[1:] != session[:-1]])
        elapsed -= np.repeat(elapsed[starts] - tick[starts], np.diff(np.r_[starts, len(session)]))
        ts = at[session] + np.where(event == 6, 1200, elapsed)
        props_kind = np.where(event == 2, 1, np.where(event == 6, 2, 0)).astype(np.int8)
        props_kind[(event == 1) & opening[session]] = 3  # replaced below where the user was referred
        # referrals: the inviter's share before the invitee's first visit, whose props carry it
        invitee = np.flatnonzero(opening & (self.inviter[person] >= 0))
        inviter = self.inviter[person[invitee]]
        share_at = np.maximum(
            at[invitee] - (rng.uniform(0.5, 30, len(invitee)) * 3600).astype(np.int64), self.start
        )
        referred = np.full(s, -1)
        referred[invitee] = np.arange(len(invitee))
        props_kind[(props_kind == 3) & (referred[session] < 0)] = 0
        columns = {
            "person": np.concatenate([person[session], inviter]),
            "ts": np.concatenate([ts, share_at]),
            "event": np.concatenate([event, np.full(len(invitee), 6, np.int8)]),
            "item": np.concatenate([item_of, rng.integers(0, len(CATALOG), len(invitee)).astype(np.int8)]),
            "scene": np.concatenate([scene[session], np.full(len(invitee), 1089)]).astype(np.int32),
            "props": np.concatenate([props_kind, np.full(len(invitee), 2, np.int8)]),
            # a share's ordinal: the share_id; a referred visit names its inviter's share
            "share": np.concatenate(
                [
                    np.where(props_kind == 3, len(event) + referred[session], np.arange(len(event))),
                    len(event) + np.arange(len(invitee)),
                ]
            ),
            "sharer": np.concatenate(
                [np.where(props_kind == 3, self.inviter[person[session]], -1), np.full(len(invitee), -1)]
            ),
        }
        inside = (columns["ts"] >= self.start) & (columns["ts"] < self.stop)
        columns = {k: v[inside] for k, v in columns.items()}
        m = len(columns["ts"])
        late = rng.random(m) < 0.02  # a phone offline: uploaded one to three days later
        arrival = columns["ts"] // SEC + np.where(late, rng.integers(1, 4, m), 0)
        arrival = np.minimum(arrival, self.stop // SEC - 1)
        columns["hour"] = np.where(late, rng.integers(0, 24, m), columns["ts"] % SEC // 3600)
        columns["arrival"] = arrival
        columns["run"] = self.run_of(arrival * SEC + SEC)
        return columns

    def event_batches(self, columns: dict, rows: np.ndarray) -> Iterator[pa.RecordBatch]:
        """The events at ``rows`` as the contract's record batches, BATCH_ROWS at a time."""
        schema = raw_schema("tracking", "events")
        first_day = int(columns["arrival"].min(initial=self.stop // SEC))
        days = np.arange(first_day, self.stop // SEC).astype("datetime64[D]").astype(str)
        files = pa.array([f"c{c}/{d}/{h:02d}.jsonl" for c in (1, 2) for d in days for h in range(24)])
        keywords = pa.array([f'{{"keyword": "{k}"}}' for k in KEYWORDS])
        names, pages = pa.array(EVENT_NAMES), pa.array([PAGES[p] for p in EVENT_PAGES])
        item_ids = pa.array([i for i, _, _ in CATALOG])
        for start in range(0, len(rows), BATCH_ROWS):
            at = rows[start : start + BATCH_ROWS]
            c = {k: v[at] for k, v in columns.items()}
            kind, person = c["props"], c["person"]
            share_id = id_array("sh", c["share"])
            shared = pc.binary_join_element_wise(
                '{"share_id": "',
                share_id,
                '", "share_target": "',
                _pick(["friend", "group"], c["share"] % 2),
                '"}',
                "",
            )
            visit = pc.binary_join_element_wise(
                '{"share_id": "',
                share_id,
                '", "sharer_openid": "',
                _pick(self.openid, np.maximum(c["sharer"], 0)),
                '"}',
                "",
            )
            props = pc.case_when(
                pc.make_struct(pa.array(kind == 1), pa.array(kind == 2), pa.array(kind == 3)),
                _pick(keywords, self.rng.integers(0, len(KEYWORDS), len(at))),
                shared,
                visit,
            )
            collector = person % 2
            file = (collector * len(days) + (c["arrival"] - first_day)) * 24 + c["hour"]
            yield pa.record_batch(
                [
                    id_array("ev", at),
                    _pick(self.openid, person),
                    _pick(self.unionid, person, self.mp_unionid[person]),
                    _pick(names, c["event"]),
                    _ts(c["ts"]),
                    _pick(pages, c["event"]),
                    _pick(item_ids, np.maximum(c["item"], 0), c["item"] >= 0),
                    pa.array(c["scene"], pa.int32()),
                    props,
                    _pick(files, file),
                ],
                schema=schema,
            )

    # --- WeCom --------------------------------------------------------------------------------

    def wecom(self) -> None:
        """The corp's relations, groups and stats over the window (siyu_dev.simulator.wecom), from which
        each day's snapshot is cut (timeline.state_at)."""
        rng = self.rng
        people = np.flatnonzero(self.on_wecom & (self.acquired < self.stop))
        added = self.acquired[people]
        owner = self.working(rng.integers(0, self.staff, len(people)), added)
        qr = np.isin(self.channel[people], [self.channel_names.index(c) for c in QR_CHANNELS])
        add_way = np.where(qr, 1, rng.choice([2, 3, 6], len(people)))
        second_at = added + (rng.uniform(1, 40, len(people)) * SEC).astype(np.int64)
        second = self.working(rng.integers(0, self.staff, len(people)), second_at)
        has_second = (rng.random(len(people)) < 0.10) & (second_at < self.stop) & (second != owner)
        two = np.flatnonzero(has_second)
        contact = np.concatenate([np.arange(len(people)), two])  # position in `people`
        staff = np.concatenate([owner, second[two]])
        createtime = np.concatenate([added, second_at[two]])
        way = np.concatenate([add_way, rng.choice([201, 3], len(two))])
        state = np.concatenate([np.where(qr, self.channel[people], -1), np.full(len(two), -1)])
        oper = np.concatenate([np.where(np.isin(add_way, [2, 3, 6]), -1, owner), owner[two]])  # -1: self
        # resigned staff hand their customers to the next colleague (add_way 202, by the admin)
        left = self.left_at[staff] < self.stop
        heir = np.flatnonzero(left)
        self.follow = {
            "contact": np.concatenate([contact, contact[heir]]),
            "staff": np.concatenate([staff, staff[heir] + 1]),
            "createtime": np.concatenate([createtime, self.left_at[staff[heir]]]),
            "until": np.concatenate(
                [
                    np.where(left, self.left_at[staff], np.iinfo(np.int64).max),
                    np.full(len(heir), np.iinfo(np.int64).max),
                ]
            ),
            "add_way": np.concatenate([way, np.full(len(heir), 202)]),
            "state": np.concatenate([state, np.full(len(heir), -1)]),
            "oper": np.concatenate([oper, np.full(len(heir), -2)]),  # -2: the admin
        }
        f = len(self.follow["contact"])
        self.follow["noted"] = (rng.random(f) < 0.18) & self.has_phone[people[self.follow["contact"]]]
        self.follow["tags"] = rng.choice([0, 0, 1, 1, 2, 3], f)
        self.follow["tag_base"] = rng.integers(0, 16, f)
        self.follow["description"] = rng.choice(4, f)
        last_added = np.zeros(len(people), np.int64)
        np.maximum.at(last_added, contact, createtime)
        deleted = rng.random(len(people)) < 0.03
        self.deleted_at = np.where(
            deleted,
            last_added + (rng.random(len(people)) * (self.stop - last_added)).astype(np.int64),
            np.iinfo(np.int64).max,
        )
        self.contact_type2 = rng.random(len(people)) < 0.01
        self.wecom_people = people
        self._groups()
        self._behavior()

    def _groups(self) -> None:
        rng = self.rng
        chats = max(3, self.total // 70)
        current = np.flatnonzero(self.left_at == np.iinfo(np.int64).max)
        owner = current[rng.integers(0, len(current), chats)]
        band = rng.choice(3, chats, p=[0.55, 0.35, 0.10])
        size = np.choose(
            band, [rng.integers(3, 21, chats), rng.integers(21, 121, chats), rng.integers(121, 401, chats)]
        )
        created = np.where(
            np.arange(chats) % 3 != 0,
            self.start - rng.uniform(0, 200, chats) * SEC,
            self.start + rng.random(chats) * (self.stop - self.start),
        ).astype(np.int64)
        customers = np.flatnonzero((self.kind == CUSTOMER) & (self.acquired < self.stop))
        on_wecom = customers[self.on_wecom[customers]]
        chat = np.repeat(np.arange(chats), size)
        from_wecom = np.repeat(rng.random(chats) < 0.8, size)
        member = np.where(
            from_wecom,
            on_wecom[rng.integers(0, len(on_wecom), len(chat))],
            customers[rng.integers(0, len(customers), len(chat))],
        )
        pair = np.unique(chat.astype(np.int64) * self.total + member)
        chat, member = pair // self.total, pair % self.total
        joined = np.maximum(created[chat], self.acquired[member]) + (
            rng.uniform(0, 480, len(chat)) * 3600
        ).astype(np.int64)
        kept = joined < self.stop
        self.chat = {"owner": owner, "created": created, "notice": rng.choice(3, chats)}
        self.members = {
            "chat": chat[kept],
            "person": member[kept],
            "joined": joined[kept],
            "scene": rng.choice([1, 2, 3], kept.sum(), p=[0.5, 0.2, 0.3]).astype(np.int8),
            "nickname": rng.random(kept.sum()) < 0.33,
        }

    def _behavior(self) -> None:
        """get_user_behavior_data per staff member per Beijing day of the window."""
        rng = self.rng
        first_day = (self.start + 8 * 3600) // SEC
        day = np.arange(first_day, self.stop // SEC + 1)
        staff = np.repeat(np.arange(self.staff), len(day))
        day = np.tile(day, self.staff)
        working = day * SEC - 8 * 3600 < self.left_at[staff]
        staff, day = staff[working], day[working]
        adds = np.zeros((self.staff, int(day.max(initial=first_day)) - first_day + 2), np.int64)
        beijing_day = (self.follow["createtime"] + 8 * 3600) // SEC - first_day
        inside = (beijing_day >= 0) & (beijing_day < adds.shape[1])
        np.add.at(adds, (self.follow["staff"][inside], beijing_day[inside]), 1)
        new = adds[staff, day - first_day]
        chats = rng.integers(0, 41, len(staff))
        self.behavior = {
            "staff": staff,
            "day": day,
            "chats": chats,
            "messages": chats * rng.integers(2, 10, len(staff)),
            "reply": np.round(rng.uniform(40, 100, len(staff)), 1),
            "reply_time": rng.integers(1, 91, len(staff)),
            "negative": (rng.random(len(staff)) < 0.05).astype(np.int32),
            "apply": new + rng.integers(0, 3, len(staff)),
            "new": new,
        }

    def snapshot(self, run: int) -> dict[str, pa.Table]:
        """WeCom as the run of ``self.days[run]`` fetched it (siyu.sources.wecom.extract)."""
        at = int(self.moments[run])
        people, f = self.wecom_people, self.follow
        held = (f["createtime"] <= at) & (at < f["until"]) & (at < self.deleted_at[f["contact"]])
        rows = np.flatnonzero(held)
        rows = rows[np.lexsort((f["staff"][rows], f["contact"][rows]))]
        contact_rows = np.unique(f["contact"][rows])
        who = people[contact_rows]
        type2 = self.contact_type2[contact_rows]
        contacts = pa.table(
            {
                "external_userid": _pick(self.external_userid, who),
                "type": pa.array(np.where(type2, 2, 1), pa.int8()),
                "gender": pa.array(self.gender[who], pa.int8()),
                "unionid": _pick(self.unionid, who, self.unionid_visible[who] & ~type2),
                "corp_name": _where(type2, pa.array(["合作企业"] * len(who))),
            }
        )
        person = people[f["contact"][rows]]
        tags = f["tags"][rows]
        tag_index = (
            f["tag_base"][rows][np.repeat(np.arange(len(rows)), tags)]
            + 3 * (np.arange(tags.sum()) - np.repeat(np.cumsum(tags) - tags, tags))
        ) % 16
        offsets = np.r_[0, np.cumsum(tags)].astype(np.int32)
        noted = f["noted"][rows]
        oper = f["oper"][rows]
        follows = pa.table(
            {
                "external_userid": _pick(self.external_userid, person),
                "userid": _pick(self.staff_userid, f["staff"][rows]),
                "remark": pa.nulls(len(rows), pa.string()),
                "description": _pick([None, "爱买面膜", "敏感肌", "送礼需求"], f["description"][rows]),
                "createtime": _ts(f["createtime"][rows]),
                "tags": pa.ListArray.from_arrays(
                    pa.array(offsets), self.tag_structs().take(pa.array(tag_index))
                ),
                "remark_mobile_hashes": pa.ListArray.from_arrays(
                    pa.array(np.r_[0, np.cumsum(noted)].astype(np.int32)), _pick(self.phone, person[noted])
                ),
                "add_way": pa.array(f["add_way"][rows], pa.int32()),
                "state": _pick(self.channel_names, np.maximum(f["state"][rows], 0), f["state"][rows] >= 0),
                "oper_userid": pc.if_else(
                    pa.array(oper == -1),
                    _pick(self.external_userid, person),
                    pc.if_else(
                        pa.array(oper == -2), ADMIN_USERID, _pick(self.staff_userid, np.maximum(oper, 0))
                    ),
                ),
            }
        )
        chats = np.flatnonzero(self.chat["created"] <= at)
        m = self.members
        members = np.flatnonzero(m["joined"] <= at)
        counts = np.bincount(m["chat"][members], minlength=len(self.chat["created"]))
        chat_ids = id_array("wr", np.arange(len(self.chat["created"])))
        owner = self.chat["owner"]
        group_chats = pa.table(
            {
                "chat_id": chat_ids.take(pa.array(chats)),
                "name": pa.array([f"{GROUP_KINDS[i % len(GROUP_KINDS)]}{i + 1}" for i in chats], pa.string()),
                "owner": _pick(self.staff_userid, owner[chats]),
                "create_time": _ts(self.chat["created"][chats]),
                "notice": _pick([None, "每周三会员日", "群内禁止广告"], self.chat["notice"][chats]),
                "status": pa.array(np.zeros(len(chats), np.int8)),
                "admin_userids": pa.array([[]] * len(chats), pa.list_(pa.string())),
                "member_count": pa.array(counts[chats] + 1, pa.int32()),
            }
        )
        person, scene = m["person"][members], m["scene"][members]
        staff_rows = pa.table(
            {
                "chat_id": chat_ids.take(pa.array(chats)),
                "userid": _pick(self.staff_userid, owner[chats]),
                "type": pa.array(np.ones(len(chats), np.int8)),
                "unionid": pa.nulls(len(chats), pa.string()),
                "join_time": _ts(self.chat["created"][chats]),
                "join_scene": pa.array(np.ones(len(chats), np.int8)),
                "invitor_userid": _pick(self.staff_userid, owner[chats]),
            }
        )
        external_rows = pa.table(
            {
                "chat_id": chat_ids.take(pa.array(m["chat"][members])),
                "userid": _pick(self.external_userid, person),
                "type": pa.array(np.full(len(members), 2, np.int8)),
                "unionid": _pick(self.unionid, person, self.unionid_visible[person]),
                "join_time": _ts(m["joined"][members]),
                "join_scene": pa.array(scene),
                "invitor_userid": _pick(self.staff_userid, owner[m["chat"][members]], scene == 1),
                "group_nickname": _where(m["nickname"][members], pa.array(["姐"] * len(members))),
            }
        )
        b = self.behavior
        day = self.days[run].astype(np.int64)
        stats = np.flatnonzero((b["day"] <= day) & (b["day"] > day - BEHAVIOR_DAYS))
        chatted = b["chats"][stats] > 0
        behavior = pa.table(
            {
                "userid": _pick(self.staff_userid, b["staff"][stats]),
                "stat_date": _date(b["day"][stats]),
                "chat_cnt": pa.array(b["chats"][stats], pa.int32()),
                "message_cnt": pa.array(b["messages"][stats], pa.int32()),
                "reply_percentage": pa.array(b["reply"][stats], mask=~chatted),
                "avg_reply_time": pa.array(b["reply_time"][stats], pa.int32(), mask=~chatted),
                "negative_feedback_cnt": pa.array(b["negative"][stats], pa.int32()),
                "new_apply_cnt": pa.array(b["apply"][stats], pa.int32()),
                "new_contact_cnt": pa.array(b["new"][stats], pa.int32()),
            }
        )
        return {
            "external_contacts": contacts,
            "follow_users": follows,
            "group_chats": group_chats,
            "group_members": pa.concat_tables([staff_rows, external_rows], promote_options="default"),
            "corp_tags": self.corp_tags(),
            "contact_ways": self.contact_ways(),
            "user_behavior": behavior,
            "unionid_links": self.unionid_links(run),
        }

    def tag_structs(self) -> pa.StructArray:
        names = [(g, t) for g, tags in TAG_GROUPS for t in tags]
        return pa.StructArray.from_arrays(
            [
                pa.array([g for g, _ in names]),
                pa.array([t for _, t in names]),
                pa.array([1] * len(names), pa.int8()),
                id_array("et", np.arange(len(names))),
            ],
            names=["group_name", "tag_name", "type", "tag_id"],
        )

    def corp_tags(self) -> pa.Table:
        names = [(i, g, t) for i, (g, tags) in enumerate(TAG_GROUPS) for t in tags]
        return pa.table(
            {
                "group_id": id_array("etg", np.array([i for i, _, _ in names])),
                "group_name": pa.array([g for _, g, _ in names]),
                "tag_id": id_array("et", np.arange(len(names))),
                "tag_name": pa.array([t for _, _, t in names]),
                "create_time": _ts(np.full(len(names), self.start - 400 * SEC)),
                "order": pa.array(np.arange(len(names)), pa.int64()),
                "deleted": pa.array([False] * len(names)),
            }
        )

    def contact_ways(self) -> pa.Table:
        return pa.table(
            {
                "config_id": id_array("cw", np.arange(len(QR_CHANNELS))),
                "type": pa.array([2] * len(QR_CHANNELS), pa.int8()),
                "scene": pa.array([2] * len(QR_CHANNELS), pa.int8()),
                "state": pa.array(QR_CHANNELS),
                "remark": pa.array([f"渠道活码 {s}" for s in QR_CHANNELS]),
                "users": pa.array([self.staff_userid.to_pylist()] * len(QR_CHANNELS)),
                "skip_verify": pa.array([True] * len(QR_CHANNELS)),
            }
        )

    def unionid_links(self, run: int) -> pa.Table:
        """WeCom's ID conversion, a cumulative snapshot: every mini-program user with a unionid asked
        once there; linked (for good) from the first run at which they were a contact."""
        asked = np.flatnonzero(
            self.mp_unionid[self.mp]
            & (self.run_of(self.mp_created) <= run)
            & (self.run_of(self.mp_created) >= 0)
        )
        who = self.mp[asked]
        first_run = self.run_of(self.mp_created[asked])
        contact_run = np.full(len(who), np.iinfo(np.int32).max)
        wecom = self.on_wecom[who]
        contact_run[wecom] = np.maximum(self.run_of(self.acquired[who[wecom]]), 0)
        linked_run = np.maximum(first_run, contact_run)
        linked = linked_run <= run
        day = self.days.astype(np.int64)
        return pa.table(
            {
                "unionid": _pick(self.unionid, who),
                "openid": _pick(self.openid, who),
                "external_userid": _pick(self.external_userid, who, linked),
                "pending_id": _where(~linked, id_array("pd", who)),
                "linked_on": pa.array(
                    day[np.minimum(linked_run, run)].astype("datetime64[D]"), pa.date32(), mask=~linked
                ),
                "first_checked_on": _date(day[first_run]),
                "checked_on": _date(np.where(linked, day[np.minimum(linked_run, run)], day[run])),
            }
        )


def _by_run(lake: Lake, source: str, entity: str, table: pa.Table, runs: np.ndarray, days, advance) -> int:
    """Land each run's rows of ``table`` as that run's partition (an empty one where none changed)."""
    order = np.argsort(runs, kind="stable")
    bounds = np.searchsorted(runs[order], np.arange(len(days) + 1))
    for run, day in enumerate(days):
        rows = order[bounds[run] : bounds[run + 1]]
        write_contract(lake, source, entity, str(day), table.take(pa.array(rows)))
        advance()
    return int((runs >= 0).sum())


def land_world(root: str, people: int, seed: int = 1, lake_days: int = 30, event_days: int = 75) -> dict:
    """Draw the world and land its ``lake_days`` runs into the lake at ``root``; rows per entity."""
    lake = Lake(str(root))
    counts: dict[str, int] = {}
    with progress_bar() as bar:
        task = bar.add_task(f"landing {people:,} people", total=len(RAW) * lake_days + 1)

        def advance() -> None:
            bar.advance(task)

        world = World(people, seed, lake_days, event_days)
        days = world.days
        users, runs, stats = world.mp_users()
        counts |= stats
        counts["appdb.mp_users rows"] = _by_run(lake, "appdb", "mp_users", users, runs, days, advance)
        del users
        for entity, table, runs in world.orders():
            counts[f"appdb.{entity} rows"] = _by_run(lake, "appdb", entity, table, runs, days, advance)
        counts["appdb.orders"] = len(world.order_person)
        events = world.events()
        counts["tracking.events"] = len(events["ts"])
        order = np.argsort(events["run"], kind="stable")
        bounds = np.searchsorted(events["run"][order], np.arange(lake_days + 1))
        for run, day in enumerate(days):
            rows = np.sort(order[bounds[run] : bounds[run + 1]])
            lake.write_batches(
                Partition("tracking", "events", str(day)),
                raw_schema("tracking", "events"),
                world.event_batches(events, rows),
            )
            advance()
            corrupt = (
                pa.table(
                    {
                        "source_file": ["c1/bad.jsonl"] * 3,
                        "line_no": [1, 2, 3],
                        "reason": ["invalid JSON: Expecting value"] * 3,
                        "raw": ['{"event_id": "', "not json at all", "{"],
                    }
                )
                if run == 0
                else None
            )
            write_contract(lake, "tracking", "events_quarantine", str(day), corrupt)
            advance()
        del events
        world.wecom()
        for run, day in enumerate(days):
            for entity, table in world.snapshot(run).items():
                write_contract(lake, "wecom", entity, str(day), table)
                counts[f"wecom.{entity} (last snapshot)"] = table.num_rows
                advance()
        for source, entity in RAW:  # entities this world does not draw (yet) land empty, as a quiet day
            for day in days:
                if lake.manifest(Partition(source, entity, str(day))) is None:
                    write_contract(lake, source, entity, str(day), None)
        bar.update(task, completed=bar.tasks[task].total)
    counts["people"], counts["staff"] = world.total, world.staff
    return counts
