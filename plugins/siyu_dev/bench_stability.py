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
from collections import Counter, defaultdict
from pathlib import Path

import duckdb

from siyu.config import DEMO_DATE, MARTS_SCHEMA
from siyu_dev.bench_identity import IDENTITY_MODELS, temp_home
from siyu_dev.simulator.advisor import ADVISOR_CODE_SHARE


def land_day(day: dt.date, world) -> None:
    """Everything the three ingest DAGs land for `day`, in-process, from the sources as they stood
    when that day's run read them (the simulator keeps only the final state of the app DB and WeCom)."""
    from siyu import tasks
    from siyu.config import settings
    from siyu.contracts import RAW  # not siyu.assets: importing Airflow here would fix its config
    from siyu_dev.simulator.appdb import write_rows
    from siyu_dev.simulator.timeline import appdb_rows_at, run_moment
    from siyu_dev.simulator.wecom_server import (
        DEMO_CORPID,
        DEMO_IDCONVERT_SECRET,
        DEMO_SECRET,
        serve,
        unpaced_rates,
    )

    moment = run_moment(day)
    write_rows(appdb_rows_at(world.appdb_rows, moment.replace(tzinfo=None)), settings().appdb_url)
    server, _ = serve(world.wecom_state, as_of=moment)
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        endpoint = tasks.WeComEndpoint(url, DEMO_CORPID, DEMO_SECRET, unpaced_rates())
        tasks.land_wecom(day.isoformat(), endpoint)
        for entity in (e for source, e in RAW if source == "appdb"):
            tasks.land_appdb(entity, day.isoformat(), appdb_url=settings().appdb_url)  # not Airflow's
        idconvert = tasks.WeComEndpoint(url, DEMO_CORPID, DEMO_IDCONVERT_SECRET, unpaced_rates())  # 代开发
        tasks.land_unionid_links(day.isoformat(), idconvert)  # after mp_users, as siyu_ingest_idconvert runs
    finally:
        server.shutdown()
        server.server_close()
    tasks.land_tracking(day.isoformat())


Log = set[tuple[str, str, str, str]]  # (event, absorbed_id, surviving_id, rule) rows of identity_merges


def identifiers(warehouse: Path) -> tuple[dict[str, set[tuple[str, str]]], Log, set[tuple[str, str]]]:
    """customer_id → its identifiers; the merge log's (event, absorbed, surviving, rule) rows; quarantined
    identifiers."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            f"select customer_id, identifier_type, identifier from {MARTS_SCHEMA}.customer_identifiers"
        ).fetchall()
        logged = con.execute(
            f"select event, absorbed_id, surviving_id, rule from {MARTS_SCHEMA}.identity_merges"
        ).fetchall()
        cut = con.execute(
            f"select identifier_type, identifier from {MARTS_SCHEMA}.identity_quarantine"
        ).fetchall()
    customers: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for customer_id, kind, value in rows:
        customers[customer_id].add((kind, value))
    return customers, set(logged), set(cut)


def explained(log: Log) -> dict[str, str]:
    """customer_id → the logged event that changed it: the absorbed side of a merge or split, and the
    survivor of a split (it lost the part kept apart)."""
    events: dict[str, str] = {}
    for event, absorbed, surviving, _ in sorted(log):
        events[absorbed] = event
        if event == "split":
            events.setdefault(surviving, event)
    return events


def person_of(truth: dict[tuple[str, str], str], idents: set[tuple[str, str]]) -> set[str]:
    return {truth[i] for i in idents if i in truth}


def compare(
    before: dict[str, set],
    after: dict[str, set],
    log: Log,
    cut: set,
    previous_log: Log | None = None,
    truth: dict[tuple[str, str], str] | None = None,
) -> dict:
    """A customer is kept when every identifier it had, unless quarantined since, has the same id.

    Changes are explained by the merge log rows new since the previous build (`previous_log`; the
    log is replayed whole each build). A customer_id that disappeared must have been absorbed. With
    `truth` (identifier → person), a merge is *true* when both customers hold one real person."""
    new = log - previous_log if previous_log is not None else log
    events = explained(new)
    owner = {ident: cid for cid, idents in after.items() for ident in idents}
    kept = [cid for cid, idents in before.items() if all(owner.get(i) == cid for i in idents - cut)]
    kept_set = set(kept)
    changed = [cid for cid in before if cid not in kept_set]
    gone = [cid for cid in before if cid not in after]
    absorbed = {a for _, a, _, _ in new}
    result = {
        "customers_before": len(before),
        "kept": len(kept),
        "kept_share": round(len(kept) / len(before), 5) if before else 1.0,
        "changed": len(changed),
        "changed_and_logged": sum(cid in events for cid in changed),
        "merged": sum(events.get(cid) == "merge" for cid in changed),
        "split": sum(events.get(cid) == "split" for cid in changed),
        "disappeared": len(gone),
        "disappeared_and_absorbed": sum(cid in absorbed for cid in gone),
        "customers_after": len(after),
        "new_customers": len(set(after) - set(before)),
        "merge_rules": dict(Counter(rule for e, a, _, rule in new if e == "merge" and a in before)),
    }
    if truth is not None and previous_log is not None:
        merges = [(a, s) for e, a, s, _ in new if e == "merge" and a in before]
        result["merges_true"] = sum(
            bool(
                person_of(truth, before[a])
                & person_of(truth, before.get(s) or after.get(s, set()) - before[a])
            )
            for a, s in merges
        )
        result["merges_logged"] = len(merges)
    return result


def ground_truth() -> dict[tuple[str, str], str]:
    """The simulator's identifier → person, in the warehouse's terms (phones pseudonymised)."""
    from siyu.config import settings
    from siyu.identity.scoring import truth_table

    s = settings()
    table = truth_table(s.sim_dir / "truth" / "identifiers.parquet", s.pii_key).to_pydict()
    return {
        (kind, value): person
        for kind, value, person in zip(table["id_type"], table["id_value"], table["person_id"], strict=True)
    }


def bench_stability(
    people: int = 5000,
    days: int = 60,
    seed: int = 7,
    end: dt.date | None = None,
    span: int = 7,
    advisor_code_share: float = ADVISOR_CODE_SHARE,
) -> dict:
    """Land and build the last `span` days of a simulated world (D-span+1 .. D = `end`) one after
    another; compare each day's customers with the day before's. The first day lands everything up to
    it at once (the pipeline's first run); the figures are for the days after."""
    from siyu.warehouse import dbt_run_timed, environ
    from siyu_dev.simulator.world import build_world, write_world

    end = end or DEMO_DATE
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        with environ(temp_home(home)):
            from siyu.config import settings

            world = build_world(
                people=people, days=days, seed=seed, end=end, advisor_code_share=advisor_code_share
            )
            write_world(world, settings().sim_dir, settings().appdb_url)
            truth = ground_truth()
            world_seconds = time.perf_counter() - started
            previous, previous_log, steps = None, None, []
            for offset in range(span - 1, -1, -1):
                day = end - dt.timedelta(days=offset)
                day_started = time.perf_counter()
                land_day(day, world)
                landed = time.perf_counter()
                dbt_run_timed(day.isoformat(), IDENTITY_MODELS)
                built = time.perf_counter()
                customers, log, cut = identifiers(settings().warehouse)
                if previous is not None:
                    figures = compare(previous, customers, log, cut, previous_log, truth)
                    timing = {
                        "land_seconds": round(landed - day_started, 1),
                        "dbt_seconds": round(built - landed, 1),
                    }
                    steps.append({"date": day.isoformat(), **figures, **timing})
                previous, previous_log = customers, log
    total = {
        key: sum(s[key] for s in steps)
        for key in (
            "changed",
            "changed_and_logged",
            "merged",
            "merges_true",
            "split",
            "disappeared",
            "disappeared_and_absorbed",
        )
    }
    rules: Counter[str] = Counter()
    for step in steps:
        rules.update(step["merge_rules"])
    before = sum(s["customers_before"] for s in steps)
    kept = sum(s["kept"] for s in steps)
    return {
        "people": people,
        "days": days,
        "seed": seed,
        "end": end.isoformat(),
        "days_compared": len(steps),
        "customers_before": before,
        "kept": kept,
        "kept_share": round(kept / before, 5) if before else 1.0,
        "min_day_kept_share": min((s["kept_share"] for s in steps), default=1.0),
        **total,
        "merge_rules": dict(rules),
        "last_day": steps[-1] if steps else None,
        "per_day": steps,
        "world_seconds": round(world_seconds, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }
