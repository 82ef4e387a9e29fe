"""`siyu bench identity`: the identity models at scale, against a networkx baseline on the same graph.

A synthetic lake for N people (vectorised numpy, the simulator's noise rates: 78 % on the
mini-program, 88 % of them with a unionid and 80 % with a phone; 72 % WeCom contacts, 70 % with a
unionid, 18 % with a staff-noted phone; WeCom's ID conversion of every mini-program unionid that is a
contact; 40 % with an order; identifiers at their real widths), then `dbt run` of the staging views and
identity models; per-model seconds come from dbt's run results. The build and the networkx baseline
each run in a fresh process, so each peak memory (max RSS) is that step's own.

WeCom is a snapshot API, so the lake holds one full copy of the corp's contacts per day: the bench
lands ``history_days`` daily snapshots (the same corp each day; the app DB and the ID conversion on
the first). It times a full build of the day before the last (every snapshot read) and then the
last day's run, which folds only the new snapshot into the WeCom histories: what a daily schedule
pays once its history is long.
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

from siyu.contracts import RAW, raw_schema
from siyu.lake import Lake, Partition

DAY = "2026-11-24"  # the last day landed: the daily run
IDENTITY_MODELS = "+customer_identifiers +identity_merges +identity_quarantine"


# Real widths: WeChat openids and unionids are 28 characters, WeCom external_userids 32, our phone
# pseudonyms 64 (HMAC-SHA256 hex). Short ids would flatter the engine: DuckDB inlines strings of up
# to 12 bytes.
WIDTH = {"o": 28, "u": 28, "wm": 32, "h": 64}


def _id_strings(prefix: str, values: np.ndarray) -> np.ndarray:
    width = WIDTH.get(prefix, len(prefix) + 12)
    return np.char.add(prefix, np.char.zfill(values.astype(str), width - len(prefix)))


def _ids(prefix: str, values: np.ndarray) -> pa.Array:
    return pa.array(_id_strings(prefix, values))


def synthetic_lake(root: Path, people: int, seed: int = 1, history_days: int = 1) -> dict[str, int]:
    days = [str(np.datetime64(DAY) - n) for n in range(history_days - 1, -1, -1)]
    rng = np.random.default_rng(seed)
    person = np.arange(people)
    base = np.datetime64("2025-01-01T00:00:00", "us") + rng.integers(0, 300 * 86400, people) * 1_000_000
    seen = pa.array(base.astype("datetime64[us]"), pa.timestamp("us", tz="UTC"))
    phone = _id_strings("h", person)  # stands in for an HMAC pseudonym
    on_mp = rng.random(people) < 0.78
    on_wecom = rng.random(people) < 0.72
    tables: dict[tuple[str, str], pa.Table] = {}
    mp = person[on_mp]
    tables["appdb", "mp_users"] = pa.table(
        {
            "openid": _ids("o", mp),
            "unionid": pa.array(np.where(rng.random(len(mp)) < 0.88, _id_strings("u", mp), None)),
            "phone_hash": pa.array(np.where(rng.random(len(mp)) < 0.8, phone[mp], None)),
            "created_at": seen.take(mp),
            "updated_at": seen.take(mp),
        }
    )
    wc = person[on_wecom]
    tables["wecom", "external_contacts"] = pa.table(
        {
            "external_userid": _ids("wm", wc),
            "type": pa.array(np.ones(len(wc), np.int8)),
            "unionid": pa.array(np.where(rng.random(len(wc)) < 0.7, _id_strings("u", wc), None)),
        }
    )
    # WeCom's ID conversion of the mini-program users with a unionid: the contacts among them,
    # whether or not the contact's own detail shows the unionid
    mp_unionid = tables["appdb", "mp_users"]["unionid"].is_valid().to_numpy(zero_copy_only=False)
    converted = np.intersect1d(mp[mp_unionid], wc)
    today = pa.array(np.full(len(converted), np.datetime64(days[0], "D")), pa.date32())
    tables["wecom", "unionid_links"] = pa.table(
        {
            "unionid": _ids("u", converted),
            "openid": _ids("o", converted),
            "external_userid": _ids("wm", converted),
            "linked_on": today,
            "first_checked_on": today,
            "checked_on": today,
        }
    )
    noted = rng.random(len(wc)) < 0.18
    tables["wecom", "follow_users"] = pa.table(
        {
            "external_userid": _ids("wm", wc),
            "userid": pa.array(np.char.add("s", (wc % 200).astype(str))),
            "createtime": seen.take(wc),
            "remark_mobile_hashes": pa.array(
                [[p] if n else [] for p, n in zip(phone[wc], noted, strict=True)]
            ),
        }
    )
    buyers = mp[rng.random(len(mp)) < 0.5]
    tables["appdb", "orders"] = pa.table(
        {
            "order_id": _ids("ord", buyers),
            "openid": _ids("o", buyers),
            "status": pa.array(["paid"] * len(buyers)),
            "receiver_phone_hash": pa.array(phone[buyers]),
            "created_at": seen.take(buyers),
            "updated_at": seen.take(buyers),
            "paid_at": seen.take(buyers),
        }
    )
    lake = Lake(str(root))
    counts = {}
    for source, entity in RAW:
        schema = raw_schema(source, entity)
        given = tables.get((source, entity))
        columns = {
            f.name: (
                given[f.name].cast(f.type)
                if given is not None and f.name in given.column_names
                else pa.nulls(given.num_rows if given is not None else 0, f.type)
            )
            for f in schema
        }
        full, empty = pa.table(columns, schema=schema), schema.empty_table()
        for day in days:  # WeCom's snapshots every day; the incremental sources on the first only
            daily = source == "wecom" or day == days[0]
            lake.write(Partition(source, entity, day), full if daily else empty)
        counts[f"{source}.{entity}"] = given.num_rows if given is not None else 0
    return counts


def temp_home(home: Path) -> dict[str, str]:
    """SIYU_* settings pointing into a throwaway directory: a benchmark never touches ./data."""
    return {
        "SIYU_HOME": str(home),
        "SIYU_LAKE": str(home / "lake"),
        "SIYU_WAREHOUSE": str(home / "wh" / "siyu.duckdb"),
    }


def _peak_rss_mib() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def identity_models(home: str, day: str = DAY) -> dict:
    """`dbt run` of the identity selection for ``day`` on the lake and warehouse under ``home``; run
    in a process of its own, so its peak memory is the build's and not the synthetic lake's."""
    from siyu.warehouse import dbt_run_timed, environ

    with environ(temp_home(Path(home))):
        started = time.perf_counter()
        timings = dbt_run_timed(day, IDENTITY_MODELS)
        wall = time.perf_counter() - started
    return {"run_date": day, "identity_models_seconds": round(sum(timings.values()), 2),
            "per_model_seconds": {k: round(v, 2) for k, v in timings.items()},
            "dbt_wall_seconds": round(wall, 1), "peak_rss_mib": _peak_rss_mib()}


def networkx_baseline(warehouse: str) -> dict:
    """Connected components of the same merging edges with networkx (its own process, for memory)."""
    import duckdb
    import networkx as nx

    with duckdb.connect(warehouse, read_only=True) as con:
        edges = con.execute("""
            select left_type || ':' || left_identifier, right_type || ':' || right_identifier
            from main_intermediate.int_identity__edges where merges""").fetchall()
    started = time.perf_counter()
    graph = nx.Graph()
    graph.add_edges_from(edges)
    components = nx.number_connected_components(graph)
    return {"seconds": round(time.perf_counter() - started, 2), "edges": len(edges),
            "components": components, "peak_rss_mib": _peak_rss_mib()}


def in_own_process(function, *args):
    """Run ``function(*args)`` in a fresh interpreter: its peak RSS is its own."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def bench_identity(people: int, history_days: int = 30) -> dict:
    if history_days < 2:
        raise ValueError("history_days must be at least 2: a full build of one day, the next day's run")
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        started = time.perf_counter()
        landed = synthetic_lake(home / "lake", people, history_days=history_days)
        lake_seconds = time.perf_counter() - started
        # every model the selection runs (the staging views cost ~0 s: their work shows in the edges)
        full = in_own_process(identity_models, str(home), str(np.datetime64(DAY) - 1))
        daily = in_own_process(identity_models, str(home), DAY)
        baseline = in_own_process(networkx_baseline, str(home / "wh" / "siyu.duckdb"))
        return {
            "people": people,
            "history_days": history_days,
            "rows_landed_on_first_day": landed,
            "synthetic_lake_seconds": round(lake_seconds, 1),
            "full_build": full,
            "daily_run": daily,
            "networkx_connected_components": baseline,
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
