"""`siyu bench warehouse`: the whole warehouse at a brand's size, a full build and the next day's run.

It lands a synthetic world for N people (siyu_dev.bench_world: every raw entity, the simulator's rates,
``lake_days`` daily runs), then, each step in a process of its own so each peak memory (max RSS) is
that step's:

1. a full build of the day before the last, into an empty warehouse (every model, seeds included);
2. the last day's run on that warehouse: what a daily schedule pays;
3. the baseline: the last day built from scratch into a second warehouse, the full rebuild of every
   model a run without incremental models pays, and the reference the daily run must equal: every
   table of the intermediate and mart layers is compared row for row (but for written_on, which
   says which run wrote a row, and for the daily histories, which keep each day as it was known:
   they are compared on the run's own day, run_day_windows). The prediction fit is redone weekly
   (var clv_refit_days): the daily run scores with the fit of the day before, fitted on the orders
   as the day before knew them (a refund landed since changes them), so the rebuild starts from a
   warehouse holding only that fit (int_customer_prediction_fits, which keeps a fit younger than
   clv_refit_days): it scores with the same parameters. Its time leaves out one fit (a few
   seconds): a conservative baseline.

Per-model seconds come from dbt's run_results.json. dbt's data tests are not run (`dbt build`
without tests): they would fail the bench on a rule of the data, not measure it. The last line of
the output is one JSON object.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from siyu.config import INTERMEDIATE_SCHEMA, MARTS_SCHEMA
from siyu_dev.bench_identity import DAY, _peak_rss_mib, in_own_process, rows_differing, temp_home
from siyu_dev.bench_world import land_world, progress_bar

COMPARED_SCHEMAS = (INTERMEDIATE_SCHEMA, MARTS_SCHEMA)
# Histories that grow by a day each run keep each day as it was known that day: a row a later landing
# restates (a late order, a refund, an identity merge) stays as it was, as the flows counted it. A build
# from scratch recomputes every day it holds with today's knowledge, so it can reproduce only the run's
# own day: the histories are compared on that day, and their earlier days are counted apart
# (history_rows_restated, both ways). A transition on the run day starts from the day before, so it is
# compared for the customers whose day before both builds hold alike.
HISTORY_WINDOWS = {  # table: its day column
    f"{MARTS_SCHEMA}.customer_lifecycle_daily": "day",
    f"{MARTS_SCHEMA}.aipl_daily": "as_of_date",
    f"{MARTS_SCHEMA}.customer_aipl_daily": "day",
}
TRANSITIONS = {  # transitions table: the daily stages it reads
    f"{MARTS_SCHEMA}.lifecycle_transitions": f"{MARTS_SCHEMA}.customer_lifecycle_daily",
    f"{MARTS_SCHEMA}.aipl_transitions": f"{MARTS_SCHEMA}.customer_aipl_daily",
}


def rebuilt_days_windows(tables: list[str]) -> dict[str, str]:
    """The days a build from scratch holds of each history (from its backfill's first day; a
    transition on that day is from 'none' there), for comparing two builds that both rebuilt them."""
    windows = {t: f"{c} >= (select min({c}) from b.{t})" for t, c in HISTORY_WINDOWS.items()}
    windows |= {t: f"day > (select min(day) from b.{t})" for t in TRANSITIONS}
    return {t: w for t, w in windows.items() if t in tables}


def run_day_windows(day: str, tables: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """(the run day's rows of each history and transitions table, their other rows), as conditions for
    rows_differing (the warehouses attached as ``a`` and ``b``)."""
    on_day, before = {}, {}
    for table, column in HISTORY_WINDOWS.items():
        if table in tables:
            on_day[table] = f"{column} = date '{day}'"
            before[table] = f"{column} < date '{day}' and {column} >= (select min({column}) from b.{table})"
    for table, daily in TRANSITIONS.items():
        if table in tables:
            restated = " union ".join(
                f"select customer_id from (select columns(lambda c: c <> 'written_on') from {x}.{daily} "
                f"where day = date '{day}' - 1 except all select columns(lambda c: c <> 'written_on') "
                f"from {y}.{daily} where day = date '{day}' - 1)"
                for x, y in (("a", "b"), ("b", "a"))
            )
            on_day[table] = f"day = date '{day}' and customer_id not in ({restated})"
            before[table] = f"not ({on_day[table]}) and day > (select min(day) from b.{table})"
    return on_day, before


def build(home: str, day: str, warehouse: str | None = None, extra_vars: dict | None = None) -> dict:
    """`dbt build` of every model and seed (no tests) for ``day``, with a progress bar of the nodes;
    in a process of its own."""
    from dbt.cli.main import dbtRunner

    from siyu.warehouse import DbtBuildError, dbt_args, dbt_env, environ, release_duckdb

    settings = temp_home(Path(home)) | ({"SIYU_WAREHOUSE": warehouse} if warehouse else {})
    with environ(settings), progress_bar() as bar:
        task = bar.add_task(f"dbt build {day}{' from scratch' if warehouse else ''}", total=None)

        def finished(event) -> None:
            if event.info.name == "NodeFinished":
                bar.advance(task)

        args = dbt_args("build", day, extra_vars=extra_vars) + [
            "--exclude-resource-type",
            "test",
            "--exclude-resource-type",
            "unit_test",
            "--quiet",
        ]
        started = time.perf_counter()
        with environ(dbt_env()):
            try:
                result = dbtRunner(callbacks=[finished]).invoke(args)
            finally:
                release_duckdb()
        wall = time.perf_counter() - started
        if not result.success:
            failed = [
                f"{r.node.unique_id}: {r.message}"
                for r in getattr(result.result, "results", None) or []
                if str(r.status) in ("error", "fail")
            ]
            raise DbtBuildError(day, failed, result.exception)
        run_results = Path(home) / "dbt" / "target" / "run_results.json"
        nodes = json.loads(run_results.read_text())["results"]
    seconds = {
        n["unique_id"].split(".")[-1]: round(n["execution_time"], 2)
        for n in nodes
        if n["unique_id"].startswith("model.")
    }
    return {
        "run_date": day,
        "seconds": round(wall, 1),
        "models_seconds": round(sum(seconds.values()), 1),
        "per_model_seconds": dict(sorted(seconds.items(), key=lambda kv: -kv[1])),
        "peak_rss_mib": _peak_rss_mib(),
    }


# A run's own working state, not data: this run's limits, and the part of the identity graph it
# recomputed (its nodes, links and components). A daily run and a rebuild differ there by design.
RUN_STATE = {
    "main_intermediate.incremental_run_limits",
    "main_intermediate.int_identity__graph_part",
    "main_intermediate.int_identity__graph_links",
    "main_intermediate.int_identity__graph_components",
}


def seed_fit(warehouse: str, scratch: str) -> None:
    """A new warehouse ``scratch`` holding only ``warehouse``'s prediction fits."""
    import duckdb

    Path(scratch).parent.mkdir(parents=True, exist_ok=True)
    fits = f"{INTERMEDIATE_SCHEMA}.int_customer_prediction_fits"
    with duckdb.connect(scratch) as con:
        con.execute(f"attach '{warehouse}' as daily (read_only)")
        con.execute(f"create schema if not exists {INTERMEDIATE_SCHEMA}")
        con.execute(f"create table {fits} as select * from daily.{fits}")


def compared_tables(warehouse: str) -> list[str]:
    """Every table (not view) of the intermediate and mart layers, less the runs' working state."""
    import duckdb

    with duckdb.connect(warehouse, read_only=True) as con:
        rows = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' and table_schema in (select unnest(?)) order by 1",
            [list(COMPARED_SCHEMAS)],
        ).fetchall()
    return [r[0] for r in rows if r[0] not in RUN_STATE]


def _top(per_model: dict[str, float], n: int = 10) -> dict[str, float]:
    return dict(list(per_model.items())[:n])


def bench_warehouse(people: int, lake_days: int = 30, event_days: int = 75, seed: int = 1) -> dict:
    if lake_days < 2:
        raise ValueError("lake_days must be at least 2: a full build of one day, the next day's run")
    day_before = str(np.datetime64(DAY) - 1)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        started = time.perf_counter()
        landed = in_own_process(land_world, str(home / "lake"), people, seed, lake_days, event_days)
        lake_seconds = time.perf_counter() - started
        full = in_own_process(build, str(home), day_before)
        daily = in_own_process(build, str(home), DAY)
        scratch = str(home / "scratch" / "siyu.duckdb")
        warehouse = str(home / "wh" / "siyu.duckdb")
        seed_fit(warehouse, scratch)
        baseline = in_own_process(build, str(home), DAY, scratch)
        tables = compared_tables(scratch)
        on_day, before = run_day_windows(DAY, tables)
        differing = rows_differing(warehouse, scratch, tables, on_day)
        restated = rows_differing(warehouse, scratch, list(before), before)
    return {
        "people": people,
        "events": landed["tracking.events"],
        "orders": landed["appdb.orders"],
        "contacts": landed["wecom.external_contacts (last snapshot)"],
        "lake_days": lake_days,
        "event_days": event_days,
        "full_build_s": full["seconds"],
        "daily_run_s": daily["seconds"],
        "baseline_daily_run_s": baseline["seconds"],
        "peak_rss_mib": max(full["peak_rss_mib"], daily["peak_rss_mib"], baseline["peak_rss_mib"]),
        "rows_differing_from_scratch": sum(differing.values()),
        "synthetic_lake_s": round(lake_seconds, 1),
        "peak_rss_mib_by_step": {
            "full_build": full["peak_rss_mib"],
            "daily_run": daily["peak_rss_mib"],
            "baseline": baseline["peak_rss_mib"],
        },
        "top_models_full_build_s": _top(full["per_model_seconds"]),
        "top_models_daily_run_s": _top(daily["per_model_seconds"]),
        "top_models_baseline_s": _top(baseline["per_model_seconds"]),
        "tables_compared": len(differing),
        "tables_differing": {t: n for t, n in differing.items() if n},
        "history_rows_restated": {t: n for t, n in restated.items() if n},
        "rows_landed": landed,
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
