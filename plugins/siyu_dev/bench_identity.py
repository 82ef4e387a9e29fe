"""`siyu bench identity`: the identity models at scale, against a networkx baseline on the same graph.

A synthetic lake for N people (vectorised numpy, the simulator's noise rates: 78 % on the
mini-program, 88 % of them with a unionid and 80 % with a phone; 72 % WeCom contacts, 70 % with a
unionid, 18 % with a staff-noted phone; WeCom's ID conversion of every mini-program unionid that is a
contact; 40 % with an order; identifiers at their real widths), then `dbt run` of the staging views and
identity models; per-model seconds come from dbt's run results. The build and the networkx baseline
each run in a fresh process, so each peak memory (max RSS) is that step's own.

WeCom is a snapshot API, so the lake holds one full copy of the corp's contacts per day: the bench
lands ``history_days`` daily snapshots (the same corp each day; the app DB on the first). The last
day brings a day's change (``daily_change``, 1 % by default): that many new people (on the
mini-program, WeCom, orders and the ID conversion like the others), a new version of 1 % of the
mini-program users (a phone authorised), orders from 1 % of the buyers, and 0.2 % of the contacts
deleted. It times a full build of the day before the last (every snapshot read) and then the last
day's run, which takes in only what changed: what a daily schedule pays once its history is long.
Operators' overrides are present (synthetic_overrides: 0.1 % of the people each linked, separated
and junked the day before, and a tenth as many new decisions on the last day), in the inbox
(var identity_overrides_inbox).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa

from siyu.config import DEMO_DATE, INTERMEDIATE_SCHEMA
from siyu.contracts import IDENTITY_OVERRIDE_FIELDS, RAW, raw_schema
from siyu.lake import Lake, Partition

DAY = DEMO_DATE.isoformat()  # the last day landed: the daily run
IDENTITY_MODELS = "+customer_identifiers +identity_merges +identity_quarantine"


# Real widths: WeChat openids and unionids are 28 characters, WeCom external_userids 32, our phone
# pseudonyms 64 (HMAC-SHA256 hex). Short ids would flatter the engine: DuckDB inlines strings of up
# to 12 bytes.
WIDTH = {"o": 28, "u": 28, "wm": 32, "h": 64}


def _id_strings(prefix: str, values: np.ndarray) -> np.ndarray:
    width = WIDTH.get(prefix, len(prefix) + 12)
    return np.char.add(prefix, np.char.zfill(values.astype(str), width - len(prefix)))


def id_array(prefix: str, values: np.ndarray) -> pa.Array:
    """``_id_strings`` as an Arrow string array, written digit by digit into a byte matrix: ~20x
    faster than np.char (tens of millions of event ids in seconds)."""
    width = WIDTH.get(prefix, len(prefix) + 12)
    values = np.asarray(values, np.int64)
    chars = np.full((len(values), width), ord("0"), np.uint8)
    chars[:, : len(prefix)] = np.frombuffer(prefix.encode(), np.uint8)
    rest = values.copy()
    for column in range(width - 1, width - 1 - len(str(int(values.max(initial=0)))), -1):
        chars[:, column] = rest % 10 + ord("0")
        rest //= 10
    offsets = np.arange(0, (len(values) + 1) * width, width, dtype=np.int64)
    data = pa.LargeStringArray.from_buffers(len(values), pa.py_buffer(offsets), pa.py_buffer(chars))
    return data.cast(pa.string())


_ids = id_array


def synthetic_lake(
    root: Path, people: int, seed: int = 1, history_days: int = 1, daily_change: float = 0.01
) -> dict[str, int]:
    """Land the lake; returns the rows landed on the first day and those new on the last."""
    days = [str(np.datetime64(DAY) - n) for n in range(history_days - 1, -1, -1)]
    rng = np.random.default_rng(seed)
    arriving = round(people * daily_change)  # people new on the last day
    person = np.arange(people + arriving)
    new = person >= people
    base = np.datetime64("2025-01-01T00:00:00", "us") + rng.integers(0, 300 * 86400, len(person)) * 1_000_000
    base[new] = np.datetime64(f"{DAY}T03:00:00", "us")
    seen = pa.array(base.astype("datetime64[us]"), pa.timestamp("us", tz="UTC"))
    phone = _id_strings("h", person)  # stands in for an HMAC pseudonym
    on_mp = rng.random(len(person)) < 0.78
    on_wecom = rng.random(len(person)) < 0.72

    mp = person[on_mp]
    mp_unionid = np.where(rng.random(len(mp)) < 0.88, _id_strings("u", mp), None)  # type: ignore[call-overload]
    mp_phone = np.where(rng.random(len(mp)) < 0.8, phone[mp], None)  # type: ignore[call-overload]
    users = pa.table(
        {
            "openid": _ids("o", mp),
            "unionid": pa.array(mp_unionid),
            "phone_hash": pa.array(mp_phone),
            "created_at": seen.take(mp),
            "updated_at": seen.take(mp),
        }
    )
    # the last day's change among those already there: a new version of 1 % of the users (the phone
    # authorised now), and 0.2 % of the contacts deleted
    returning = ~new[mp] & (rng.random(len(mp)) < daily_change)
    now = pa.array(
        np.full(int(returning.sum()), np.datetime64(f"{DAY}T04:00:00", "us")), pa.timestamp("us", tz="UTC")
    )
    versions = users.filter(pa.array(returning)).set_column(2, "phone_hash", pa.array(phone[mp[returning]]))
    versions = versions.set_column(4, "updated_at", now)
    users_by_day = _first_and_last(
        days, users.filter(pa.array(~new[mp])), pa.concat_tables([users.filter(pa.array(new[mp])), versions])
    )

    wc = person[on_wecom]
    contacts = pa.table(
        {
            "external_userid": _ids("wm", wc),
            "type": pa.array(np.ones(len(wc), np.int8)),
            "unionid": pa.array(np.where(rng.random(len(wc)) < 0.7, _id_strings("u", wc), None)),  # type: ignore[call-overload]
        }
    )
    noted = rng.random(len(wc)) < 0.18
    follows = pa.table(
        {
            "external_userid": _ids("wm", wc),
            "userid": pa.array(np.char.add("s", (wc % 200).astype(str))),
            "createtime": seen.take(wc),
            "remark_mobile_hashes": pa.array(
                [[p] if n else [] for p, n in zip(phone[wc], noted, strict=True)]
            ),
        }
    )
    gone = ~new[wc] & (rng.random(len(wc)) < daily_change / 5)
    before, last = pa.array(~new[wc]), pa.array(~gone)
    contacts_by_day = {d: contacts.filter(last if d == DAY else before) for d in days}
    follows_by_day = {d: follows.filter(last if d == DAY else before) for d in days}

    # WeCom's ID conversion of the mini-program users with a unionid: the contacts among them,
    # whether or not the contact's own detail shows the unionid; a cumulative snapshot each day
    converted = np.intersect1d(mp[mp_unionid != None], wc)  # noqa: E711 (numpy elementwise)
    linked_on = np.where(converted >= people, np.datetime64(DAY, "D"), np.datetime64(days[0], "D"))
    links = pa.table(
        {
            "unionid": _ids("u", converted),
            "openid": _ids("o", converted),
            "external_userid": _ids("wm", converted),
            "linked_on": pa.array(linked_on, pa.date32()),
            "first_checked_on": pa.array(linked_on, pa.date32()),
            "checked_on": pa.array(linked_on, pa.date32()),
        }
    )
    links_by_day = {d: links.filter(pa.array(converted < people)) if d != DAY else links for d in days}

    buyers = mp[rng.random(len(mp)) < 0.5]
    again = buyers[~new[buyers] & (rng.random(len(buyers)) < daily_change)]  # old buyers ordering again
    order_rows = np.concatenate([buyers, again])
    orders = pa.table(
        {
            "order_id": _ids("ord", np.arange(len(order_rows))),
            "openid": _ids("o", order_rows),
            "status": pa.array(["paid"] * len(order_rows)),
            "receiver_phone_hash": pa.array(phone[order_rows]),
            "created_at": seen.take(order_rows),
            "updated_at": seen.take(order_rows),
            "paid_at": seen.take(order_rows),
        }
    )
    today = np.concatenate([new[buyers], np.ones(len(again), bool)])
    orders_by_day = _first_and_last(days, orders.filter(pa.array(~today)), orders.filter(pa.array(today)))

    landed = {
        ("appdb", "mp_users"): users_by_day,
        ("appdb", "orders"): orders_by_day,
        ("wecom", "external_contacts"): contacts_by_day,
        ("wecom", "follow_users"): follows_by_day,
        ("wecom", "unionid_links"): links_by_day,
    }
    lake = Lake(str(root))
    counts = {}
    for source, entity in RAW:
        by_day = landed.get((source, entity), {})
        for day in days:  # WeCom's snapshots every day; the incremental sources when they changed
            write_contract(lake, source, entity, day, by_day.get(day))
        first, last_rows = by_day.get(days[0]), by_day.get(DAY)
        counts[f"{source}.{entity}"] = first.num_rows if first is not None else 0
        if last_rows is not None and source == "appdb" and history_days > 1:
            counts[f"{source}.{entity} new on {DAY}"] = last_rows.num_rows
    counts["people new on last day"] = arriving
    counts["contacts deleted on last day"] = int(gone.sum())
    return counts


def inbox_path(home: Path) -> Path:
    return home / "inbox" / "identity_overrides.csv"


def synthetic_overrides(home: Path, people: int, share: float = 0.001, seed: int = 2) -> int:
    """Operators' decisions in the inbox: links of two people's identifiers, separations of a
    person's openid from their own contact (both in one component: the split path), junked
    unionids; ``share`` of the people each, decided the day before the last day, and a tenth as
    many decided on the last day. Returns how many."""
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    rows = []
    batches = ((str(np.datetime64(DAY) - 1), round(people * share)), (DAY, round(people * share / 10)))
    for day, count in ((d, c) for d, c in batches if c):
        at = f"{day}T12:00:00+08:00"
        a, b = rng.integers(0, people, count), rng.integers(0, people, count)
        sides = {
            "link": (("mp_openid", _id_strings("o", a)), ("external_userid", _id_strings("wm", b))),
            "separate": (("mp_openid", _id_strings("o", b)), ("external_userid", _id_strings("wm", b))),
            "junk": (("unionid", _id_strings("u", rng.integers(0, people, count))), (None, [None] * count)),
        }
        for action, ((lt, left), (rt, right)) in sides.items():
            pairs = zip(left, right, strict=True)  # type: ignore[call-overload]  # numpy or lists
            rows += [[action, lt, li, rt, ri, "bench", "synthetic decision", at] for li, ri in pairs]
    inbox = inbox_path(home)
    inbox.parent.mkdir(parents=True, exist_ok=True)
    columns = dict(zip(IDENTITY_OVERRIDE_FIELDS, zip(*rows, strict=True), strict=True))
    pacsv.write_csv(pa.table({f: pa.array(c, pa.string()) for f, c in columns.items()}), inbox)
    return len(rows)


def write_contract(lake: Lake, source: str, entity: str, day: str, given: pa.Table | None) -> int:
    """Land ``given`` (or no rows) as the day's partition in the contract's schema: columns it lacks
    are null, the others cast to the contract's types. Returns the rows landed."""
    schema = raw_schema(source, entity)
    rows = given.num_rows if given is not None else 0
    columns = {
        f.name: given[f.name].cast(f.type)
        if given is not None and f.name in given.column_names
        else pa.nulls(rows, f.type)
        for f in schema
    }
    lake.write(Partition(source, entity, day), pa.table(columns, schema=schema))
    return rows


def _first_and_last(days: list[str], first: pa.Table, last: pa.Table) -> dict[str, pa.Table]:
    """An incremental source's partitions: what was there on the first day, what is new on the last."""
    return {days[0]: first, DAY: last} if days[0] != DAY else {DAY: pa.concat_tables([first, last])}


def temp_home(home: Path) -> dict[str, str]:
    """SIYU_* settings pointing into a throwaway directory: a benchmark never touches ./data."""
    return {
        "SIYU_HOME": str(home),
        "SIYU_LAKE": str(home / "lake"),
        "SIYU_WAREHOUSE": str(home / "wh" / "siyu.duckdb"),
    }


def _peak_rss_mib() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def identity_models(home: str, day: str = DAY, warehouse: str | None = None) -> dict:
    """`dbt run` of the identity selection for ``day`` on the lake and warehouse under ``home`` (or
    ``warehouse``); run in a process of its own, so its peak memory is the build's and not the
    synthetic lake's."""
    from siyu.warehouse import dbt_run_timed, environ

    settings = temp_home(Path(home)) | ({"SIYU_WAREHOUSE": warehouse} if warehouse else {})
    with environ(settings):
        started = time.perf_counter()
        inbox = inbox_path(Path(home))
        overrides = {"identity_overrides_inbox": str(inbox)} if inbox.exists() else None
        timings = dbt_run_timed(day, IDENTITY_MODELS, overrides)
        wall = time.perf_counter() - started
    return {
        "run_date": day,
        "identity_models_seconds": round(sum(timings.values()), 2),
        "per_model_seconds": {k: round(v, 2) for k, v in timings.items()},
        "dbt_wall_seconds": round(wall, 1),
        "peak_rss_mib": _peak_rss_mib(),
    }


def networkx_baseline(warehouse: str) -> dict:
    """Connected components of the same merging edges with networkx (its own process, for memory)."""
    import duckdb
    import networkx as nx

    with duckdb.connect(warehouse, read_only=True) as con:
        edges = con.execute(f"""
            select left_type || ':' || left_identifier, right_type || ':' || right_identifier
            from {INTERMEDIATE_SCHEMA}.int_identity__edges where merges""").fetchall()
    started = time.perf_counter()
    graph = nx.Graph()
    graph.add_edges_from(edges)
    components = nx.number_connected_components(graph)
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "edges": len(edges),
        "components": components,
        "peak_rss_mib": _peak_rss_mib(),
    }


# What the daily run keeps incrementally, compared with a build of the same day from scratch.
INCREMENTAL_TABLES = [
    "int_wecom__contact_unionids",
    "int_wecom__remark_phones",
    "int_wecom__group_member_unionids",
    "int_wecom__relation_spells",
    "int_identity__edges",
    "int_identity__quarantine",
    "int_identity__graph",
    "int_identity__merge_events",
    "int_identity__overrides",
]


def rows_differing(
    warehouse: str, other: str, tables: list[str] | None = None, where: dict[str, str] | None = None
) -> dict[str, int]:
    """Per table (``schema.table``; the incremental identity tables by default), the rows one
    warehouse holds and the other does not (both ways), but for written_on: which run wrote a row
    is the one thing a build from scratch cannot share. ``where`` narrows a table on both sides (the
    other warehouse is attached as ``b``)."""
    from siyu import duck

    with duck.connect() as con:
        con.execute(f"attach '{warehouse}' as a (read_only)")
        con.execute(f"attach '{other}' as b (read_only)")
        differing = {}
        for table in tables or INCREMENTAL_TABLES:
            qualified = table if "." in table else f"{INTERMEDIATE_SCHEMA}.{table}"
            narrowed = f" where {where[table]}" if where and table in where else ""
            a, b = (
                f"select columns(lambda c: c <> 'written_on') from {db}.{qualified}{narrowed}"
                for db in ("a", "b")
            )
            one_way = f"select count(*) from ({a} except all {b})"
            other_way = f"select count(*) from ({b} except all {a})"
            differing[table] = con.execute(f"select ({one_way}) + ({other_way})").fetchall()[0][0]
    return differing


def in_own_process(function, *args):
    """Run ``function(*args)`` in a fresh interpreter: its peak RSS is its own."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def bench_identity(people: int, history_days: int = 30, daily_change: float = 0.01) -> dict:
    if history_days < 2:
        raise ValueError("history_days must be at least 2: a full build of one day, the next day's run")
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        started = time.perf_counter()
        # (in a process of its own too: max RSS survives exec, so a child spawned by a parent that
        # had held the synthetic lake would report the lake's memory as its own)
        landed = in_own_process(synthetic_lake, home / "lake", people, 1, history_days, daily_change)
        overrides = synthetic_overrides(home, people)
        lake_seconds = time.perf_counter() - started
        # every model the selection runs (the staging views cost ~0 s: their work shows in the edges)
        full = in_own_process(identity_models, str(home), str(np.datetime64(DAY) - 1))
        daily = in_own_process(identity_models, str(home), DAY)
        baseline = in_own_process(networkx_baseline, str(home / "wh" / "siyu.duckdb"))
        # the same day built from scratch: the incremental run must have reached the same tables
        scratch = str(home / "scratch" / "siyu.duckdb")
        from_scratch = in_own_process(identity_models, str(home), DAY, scratch)
        differing = rows_differing(str(home / "wh" / "siyu.duckdb"), scratch)
        return {
            "people": people,
            "history_days": history_days,
            "daily_change": daily_change,
            "rows_landed": landed,
            "operator_overrides": overrides,
            "synthetic_lake_seconds": round(lake_seconds, 1),
            "full_build": full,
            "daily_run": daily,
            "full_build_of_the_last_day": from_scratch,
            "rows_differing_from_the_full_build": differing,
            "networkx_connected_components": baseline,
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
