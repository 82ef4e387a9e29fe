"""`siyu bench-stability`: do customers keep their customer_id when the next day's data arrives?

A simulated world is landed day by day as the daily DAGs would land it (WeCom served as of the end of
each day, the app DB's rows as they stood then and extracted by watermark, that day's tracking files),
and the identity models are built for each date. Between consecutive dates a customer is *kept* when
every identifier it had (unless quarantined since) still resolves to the same customer_id. A customer
that is not kept should be explained by the merge log: absorbed into an older customer (merge) or
split by the junk guard.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import duckdb

from siyu.identity.bench import IDENTITY_MODELS, temp_home


def land_day(day: dt.date, world) -> None:
    """Everything the three ingest DAGs land for `day`, in-process, from the sources as they stood
    when that day's run read them (the simulator keeps only the final state of the app DB and WeCom)."""
    from siyu import tasks
    from siyu.config import settings
    from siyu.contracts import RAW  # not siyu.assets: importing Airflow here would fix its config
    from siyu.simulator.appdb import write_rows
    from siyu.simulator.timeline import appdb_rows_at, run_moment
    from siyu.simulator.wecom_server import DEMO_CORPID, DEMO_SECRET, serve

    moment = run_moment(day)
    write_rows(appdb_rows_at(world.appdb_rows, moment.replace(tzinfo=None)), settings().appdb_url)
    server, _ = serve(world.wecom_state, as_of=moment)
    try:
        endpoint = tasks.WeComEndpoint(f"http://127.0.0.1:{server.server_port}", DEMO_CORPID, DEMO_SECRET)
        tasks.land_wecom(day.isoformat(), endpoint)
    finally:
        server.shutdown()
        server.server_close()
    for entity in (e for source, e in RAW if source == "appdb"):
        tasks.land_appdb(entity, day.isoformat(), appdb_url=settings().appdb_url)  # not Airflow's connection
    tasks.land_tracking(day.isoformat())


def identifiers(
    warehouse: Path,
) -> tuple[dict[str, set[tuple[str, str]]], dict[str, str], set[tuple[str, str]]]:
    """customer_id → its identifiers; customer_id → the logged event touching it; quarantined identifiers."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select customer_id, identifier_type, identifier from main_marts.customer_identifiers"
        ).fetchall()
        logged = con.execute(
            "select event, absorbed_id, surviving_id from main_marts.identity_merges"
        ).fetchall()
        cut = con.execute("select identifier_type, identifier from main_marts.identity_quarantine").fetchall()
    customers: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for customer_id, kind, value in rows:
        customers[customer_id].add((kind, value))
    events = {}
    for event, absorbed, surviving in logged:
        events[absorbed] = event
        if event == "split":  # both sides of a split changed: the survivor lost the part kept apart
            events.setdefault(surviving, event)
    return customers, events, set(cut)


def compare(before: dict[str, set], after: dict[str, set], logged: dict[str, str], cut: set) -> dict:
    """A customer is kept when every identifier it had, unless quarantined since, has the same id."""
    owner = {ident: cid for cid, idents in after.items() for ident in idents}
    kept = [cid for cid, idents in before.items() if all(owner.get(i) == cid for i in idents - cut)]
    changed = [cid for cid in before if cid not in set(kept)]
    return {
        "customers_before": len(before),
        "kept": len(kept),
        "kept_share": round(len(kept) / len(before), 5) if before else 1.0,
        "changed": len(changed),
        "changed_and_logged": sum(cid in logged for cid in changed),
        "merged": sum(logged.get(cid) == "merge" for cid in changed),
        "split": sum(logged.get(cid) == "split" for cid in changed),
        "new_customers": len(set(after) - set(before)),
    }


def bench_stability(
    people: int = 5000, days: int = 60, seed: int = 7, end: dt.date | None = None, span: int = 7
) -> dict:
    """Land and build the last `span` days of a simulated world; compare each day with the next."""
    from siyu.simulator.world import build_world, write_world
    from siyu.warehouse import dbt_run_timed, environ

    end = end or dt.date(2026, 11, 24)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        with environ(temp_home(home)):
            from siyu.config import settings

            world = build_world(people=people, days=days, seed=seed, end=end)
            write_world(world, settings().sim_dir, settings().appdb_url)
            previous, steps = None, []
            for offset in range(span - 1, -1, -1):
                day = end - dt.timedelta(days=offset)
                land_day(day, world)
                dbt_run_timed(day.isoformat(), IDENTITY_MODELS)
                customers, logged, cut = identifiers(settings().warehouse)
                if previous is not None:
                    steps.append({"date": day.isoformat(), **compare(previous, customers, logged, cut)})
                previous = customers
    before = sum(s["customers_before"] for s in steps)
    kept = sum(s["kept"] for s in steps)
    return {
        "people": people,
        "days_compared": len(steps),
        "kept_share": round(kept / before, 5) if before else 1.0,
        "changed": sum(s["changed"] for s in steps),
        "changed_and_logged": sum(s["changed_and_logged"] for s in steps),
        "merged": sum(s["merged"] for s in steps),
        "split": sum(s["split"] for s in steps),
        "per_day": steps,
        "seconds": round(time.perf_counter() - started, 1),
    }
