"""`siyu bench-identity`: the identity models at scale, against a networkx baseline on the same graph.

A synthetic lake for N people (vectorised numpy, the simulator's noise rates: 78 % on the
mini-program, 88 % of them with a unionid and 80 % with a phone; 72 % WeCom contacts, 70 % with a
unionid, 18 % with a staff-noted phone; 40 % with an order), then `dbt run` of the staging views and
identity models; per-model seconds come from dbt's run results. Peak memory is this process's max RSS
(dbt-duckdb runs in-process).
"""

from __future__ import annotations

import datetime as dt
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from siyu.contracts import RAW, raw_schema
from siyu.lake import Lake, Partition

DAY = "2026-11-24"
IDENTITY_MODELS = "+customer_identifiers +identity_merges +identity_quarantine"


def _ids(prefix: str, values: np.ndarray) -> pa.Array:
    return pa.array(np.char.add(prefix, values.astype(str)))


def synthetic_lake(root: Path, people: int, seed: int = 1) -> dict[str, int]:
    rng = np.random.default_rng(seed)
    person = np.arange(people)
    base = np.datetime64("2025-01-01T00:00:00", "us") + rng.integers(0, 300 * 86400, people) * 1_000_000
    seen = pa.array(base.astype("datetime64[us]"), pa.timestamp("us", tz="UTC"))
    phone = np.char.add("h", person.astype(str))  # stands in for an HMAC pseudonym
    on_mp = rng.random(people) < 0.78
    on_wecom = rng.random(people) < 0.72
    tables: dict[tuple[str, str], pa.Table] = {}
    mp = person[on_mp]
    tables["appdb", "mp_users"] = pa.table(
        {
            "openid": _ids("o", mp),
            "unionid": pa.array(np.where(rng.random(len(mp)) < 0.88, np.char.add("u", mp.astype(str)), None)),
            "phone_hash": pa.array(np.where(rng.random(len(mp)) < 0.8, phone[mp], None)),
            "created_at": seen.take(mp),
            "updated_at": seen.take(mp),
        }
    )
    wc = person[on_wecom]
    tables["wecom", "external_contacts"] = pa.table(
        {
            "external_userid": _ids("e", wc),
            "type": pa.array(np.ones(len(wc), np.int8)),
            "unionid": pa.array(np.where(rng.random(len(wc)) < 0.7, np.char.add("u", wc.astype(str)), None)),
        }
    )
    noted = rng.random(len(wc)) < 0.18
    tables["wecom", "follow_users"] = pa.table(
        {
            "external_userid": _ids("e", wc),
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
        lake.write(Partition(source, entity, DAY), pa.table(columns, schema=schema))
        counts[f"{source}.{entity}"] = given.num_rows if given is not None else 0
    return counts


def temp_home(home: Path) -> dict[str, str]:
    """SIYU_* settings pointing into a throwaway directory: a benchmark never touches ./data."""
    return {
        "SIYU_HOME": str(home),
        "SIYU_LAKE": str(home / "lake"),
        "SIYU_WAREHOUSE": str(home / "wh" / "siyu.duckdb"),
    }


def networkx_baseline(warehouse: Path) -> dict[str, float]:
    import duckdb
    import networkx as nx

    with duckdb.connect(str(warehouse), read_only=True) as con:
        edges = con.execute("""
            select left_type || ':' || left_identifier, right_type || ':' || right_identifier
            from main_intermediate.int_identity__edges where merges""").fetchall()
    started = time.perf_counter()
    graph = nx.Graph()
    graph.add_edges_from(edges)
    components = nx.number_connected_components(graph)
    return {"seconds": round(time.perf_counter() - started, 2), "edges": len(edges), "components": components}


def bench_identity(people: int) -> dict:
    from siyu.warehouse import dbt_run_timed, environ

    with tempfile.TemporaryDirectory() as tmp, environ(temp_home(Path(tmp))):
        home = Path(tmp)
        started = time.perf_counter()
        landed = synthetic_lake(home / "lake", people)
        lake_seconds = time.perf_counter() - started
        timings = dbt_run_timed(DAY, IDENTITY_MODELS)
        # every model the selection ran (the staging views cost ~0 s: their work shows in the edges)
        identity = {k: round(v, 2) for k, v in timings.items()}
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        baseline = networkx_baseline(home / "wh" / "siyu.duckdb")
        return {
            "people": people,
            "rows_landed": landed,
            "synthetic_lake_seconds": round(lake_seconds, 1),
            "identity_models_seconds": round(sum(identity.values()), 2),
            "per_model_seconds": identity,
            "peak_rss_mib": round(peak_mib),
            "networkx_connected_components": baseline,
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
