"""The warehouse's day histories after an erasure: every day they hold recomputed without the person.

A [customer × day] history (a model on macro ``days_to_build``: customer_lifecycle_daily,
customer_aipl_daily) adds a day per run and keeps the days before. Deleting the person's rows is
not enough: another customer's day can depend on them (a referral that made a buyer Loyal), and the
day aggregates over these histories (aipl_daily, the transitions) count them. Re-running only the
newest day leaves the earlier days as they were computed with the person, so the warehouse would
differ from a build from scratch of the erased lake.

So the erasure's run of the current day rebuilds each history over every day it held: the table is
set aside (renamed, so a failed run puts it back), and the run backfills as many days as it held
(its backfill var, for this run only). No incremental state depends on these vars
(macros/incremental_state.sql), so no other model rebuilds but these FOLLOWERS, set aside with them
and so built anew: the transitions (macro ``stage_transitions``), which otherwise read only the days
after their watermark, and the prediction fit, fitted on every buyer, the person among them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

ASIDE = "__before_erasure"
DAYS_TO_BUILD = re.compile(r"days_to_build\(\s*var\(\s*'(\w+)'\s*\)\s*\)")
STAGE_TRANSITIONS = re.compile(r"stage_transitions\(\s*ref\(")
FITTED_ON_EVERYONE = ("int_customer_prediction_fits",)


@dataclass(frozen=True)
class History:
    schema: str
    table: str
    backfill_var: str  # "": a follower, built anew without a backfill
    days: int  # the days it held, up to the run's date (0: a follower)


def day_histories(models: Path) -> dict[str, str]:
    """Each model built with ``days_to_build(var('…'))`` → that backfill var (read from the models,
    so a history added later is recomputed too)."""
    found = {}
    for sql in sorted(models.rglob("*.sql")):
        match = DAYS_TO_BUILD.search(sql.read_text())
        if match:
            found[sql.stem] = match.group(1)
    return found


def followers(models: Path) -> set[str]:
    """The models built anew with the histories (see the module's docstring)."""
    found = {sql.stem for sql in models.rglob("*.sql") if STAGE_TRANSITIONS.search(sql.read_text())}
    return found | set(FITTED_ON_EVERYONE)


def set_aside(warehouse: Path, run_date: str, models: Path) -> list[History]:
    """Rename each day history and follower aside; returns what was set aside (to backfill, then drop
    or restore)."""
    wanted = day_histories(models)
    follow = followers(models)
    end = dt.date.fromisoformat(run_date)
    aside = []
    with duckdb.connect(str(warehouse)) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' and table_catalog = current_database() order by all"
        ).fetchall()
        for schema, table in tables:
            if table in follow:
                con.execute(f'alter table "{schema}"."{table}" rename to "{table}{ASIDE}"')
                aside.append(History(schema, table, "", 0))
                continue
            if table not in wanted:
                continue
            first = con.execute(f'select min(day) from "{schema}"."{table}"').fetchall()[0][0]
            if first is None:
                continue  # nothing held: the run builds it as it would anyway
            days = (end - first).days + 1
            con.execute(f'alter table "{schema}"."{table}" rename to "{table}{ASIDE}"')
            aside.append(History(schema, table, wanted[table], days))
    return aside


def backfill_vars(aside: list[History]) -> dict[str, int]:
    """The backfill each set-aside history needs to recompute every day it held."""
    out: dict[str, int] = {}
    for h in aside:
        if h.backfill_var:
            out[h.backfill_var] = max(out.get(h.backfill_var, 0), h.days)
    return out


def drop_aside(warehouse: Path, aside: list[History]) -> None:
    with duckdb.connect(str(warehouse)) as con:
        for h in aside:
            con.execute(f'drop table if exists "{h.schema}"."{h.table}{ASIDE}"')


def restore(warehouse: Path, aside: list[History]) -> None:
    """A failed run: the histories as they were (the person's rows already deleted) come back."""
    with duckdb.connect(str(warehouse)) as con:
        for h in aside:
            con.execute(f'drop table if exists "{h.schema}"."{h.table}"')
            con.execute(f'alter table "{h.schema}"."{h.table}{ASIDE}" rename to "{h.table}"')
