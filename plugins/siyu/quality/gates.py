"""The raw and marts gates the warehouse DAG runs: every suite in expectations/ for its layer.

Suite files are named ``raw.<source>.<entity>.json`` and ``marts.<model>.json``; adding a file adds
a check. Results are written to ``SIYU_HOME/quality/<dt>/<suite>.json`` (the run summary reads them)
before the gate decides, so a failed run still leaves its evidence.
"""

from __future__ import annotations

import html
import json
import logging
from pathlib import Path

import pandas as pd

from siyu.config import project_root, settings
from siyu.lake import Lake, Partition, restrict
from siyu.quality import freshness
from siyu.quality.frames import mart_frame, raw_frame
from siyu.quality.runner import Failure, QualityGateError, SuiteResult, gate, load_suite, run_suite

log = logging.getLogger(__name__)

# Rows extraction could not read, per partition: more than both of these stop the run.
QUARANTINE_LIMITS = {"max_rows": 10, "max_share": 0.01}


def suites_dir() -> Path:
    return project_root() / "expectations"


def suite_paths(layer: str) -> list[Path]:
    return sorted(suites_dir().glob(f"{layer}.*.json"))


def docs_dir(dt: str) -> Path:
    """Where the run's GX Data Docs pages go: SIYU_HOME/docs/gx/<dt>/ (index.html lists the suites)."""
    return settings().home / "docs" / "gx" / dt


def write_docs_index(dt: str) -> Path:
    """An index over every suite page of ``dt`` (raw and marts gates write into the same folder)."""
    folder = docs_dir(dt)
    rows = []
    for path in sorted(settings().home.joinpath("quality", dt).glob("*.json")):
        result = json.loads(path.read_text())
        status = "pass" if result["success"] else "FAIL"
        name = html.escape(result["suite"])
        rows.append(
            f'<tr><td><a href="{name}.html">{name}</a></td><td>{status}</td><td>{result["evaluated"]}</td>'
            f"<td>{len(result['critical_failures'])}</td><td>{len(result['warnings'])}</td></tr>"
        )
    folder.mkdir(parents=True, exist_ok=True)
    index = folder / "index.html"
    index.write_text(
        f"<!doctype html><meta charset='utf-8'><title>Siyu data quality {dt}</title>"
        f"<h1>Siyu data quality, {dt}</h1><table border=1 cellpadding=4>"
        "<tr><th>suite</th><th>result</th><th>expectations</th><th>critical failures</th>"
        "<th>warnings</th></tr>" + "".join(rows) + "</table>"
    )
    return index


def write_result(result: SuiteResult, dt: str) -> Path:
    folder = settings().home / "quality" / dt
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{result.suite}.json"
    path.write_text(result.to_json())
    return path


def _summary(results: list[SuiteResult]) -> dict:
    return {
        r.suite: {
            "success": r.success,
            "critical_failures": len(r.critical_failures),
            "warnings": len(r.warnings),
            "seconds": r.seconds,
        }
        for r in results
    }


def _finish(results: list[SuiteResult], dt: str, held: dict[str, str | None] | None = None) -> dict:
    """Write and log every result, then stop on critical failures, except those of ``held`` suites
    (held back: their entity stays at its last good partition while the rest builds)."""
    held = held or {}
    for r in results:
        write_result(r, dt)
    write_docs_index(dt)
    restrict(settings().home / "quality", settings().home / "docs")
    for r in results:
        # Counts and expectation names only: samples may hold identifiers, they stay in the JSON.
        log.info(
            "%s: %s, %d critical failures, %d warnings, %.2fs",
            r.suite,
            "pass" if r.success else "FAIL",
            len(r.critical_failures),
            len(r.warnings),
            r.seconds,
        )
        for w in r.warnings:
            log.warning("%s warning: %s%s", r.suite, w.expectation, f"({w.kwargs.get('column')})")
    gate([r for r in results if r.suite not in held])
    summary = _summary(results)
    for suite, last_good in held.items():
        summary[suite].update(held_back=True, last_good_partition=last_good)
    return summary


# --- holding a failing entity back ----------------------------------------------------------------
# One entity failing its suite used to stop every source: a bad day of orders kept yesterday's
# contacts, events and users out of the marts too. Now the failing entity's partition of the day is
# held back (recorded in SIYU_HOME/state/held_back.json): the build leaves it out (dbt var
# held_partitions, read by the sources' external_location), so a snapshot entity stays at its last
# good snapshot and an incremental one at its last good versions, while every other entity builds.
# The partition stays held, on later days too, until a re-run of its date passes the gate. An entity
# with no earlier good partition has no last good state to keep: then the run stops, as before.


def held_back_path() -> Path:
    return settings().state_dir / "held_back.json"


def held_back() -> dict[str, dict[str, dict]]:
    """``{"appdb.orders": {"2026-01-02": {"failures": [...], "last_good_partition": "2026-01-01"}}}``."""
    path = held_back_path()
    return json.loads(path.read_text()) if path.exists() else {}


def held_partitions() -> list[str]:
    """The dbt var: ``source/entity/dt`` of every partition held back."""
    return sorted(f"{key.replace('.', '/', 1)}/{day}" for key, days in held_back().items() for day in days)


def _write_held(held: dict[str, dict[str, dict]]) -> None:
    path = held_back_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    held = {k: v for k, v in sorted(held.items()) if v}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(held, indent=1, sort_keys=True))
    tmp.replace(path)
    restrict(path)


def _last_good(lake: Lake, source: str, entity: str, dt: str, held: dict) -> str | None:
    bad = held.get(f"{source}.{entity}", {})
    earlier = [d for d in lake.partitions(source, entity) if d < dt and d not in bad]
    return earlier[-1] if earlier else None


def row_count_change(path: Path, lake: Lake, source: str, entity: str, dt: str) -> Failure | None:
    """The suite's ``meta.row_count_change`` check: this partition's rows against the previous one's.

    ``{"max_ratio": 2.0, "min_ratio": 0.5, "severity": "warning"}``: a full snapshot that halves or
    doubles overnight means an API permission or an extractor changed, not that customers left.
    """
    rule = load_suite(path).get("meta", {}).get("row_count_change")
    held = held_back().get(f"{source}.{entity}", {})  # compared with good partitions only
    earlier = [d for d in lake.partitions(source, entity) if d < dt and d not in held]
    if not rule or not earlier:
        return None
    before = lake.manifest(Partition(source, entity, earlier[-1])).row_count  # type: ignore[union-attr]
    now = lake.manifest(Partition(source, entity, dt)).row_count  # type: ignore[union-attr]
    ratio = now / before if before else (1.0 if not now else float("inf"))
    if rule.get("min_ratio", 0) <= ratio <= rule.get("max_ratio", float("inf")):
        return None
    return Failure(
        expectation="row_count_change_vs_previous_partition",
        kwargs={
            "previous_dt": earlier[-1],
            "previous_rows": before,
            "rows": now,
            "min_ratio": rule.get("min_ratio"),
            "max_ratio": rule.get("max_ratio"),
        },
        severity=rule.get("severity", "warning"),
        observed_value=round(ratio, 3),
    )


def scale_change(path: Path, lake: Lake, source: str, entity: str, dt: str, frame) -> Failure | None:
    """The suite's ``meta.scale_change`` check: a money column's median against the source's history.

    ``{"column": "amount", "max_ratio": 20, "history_partitions": 7, "min_rows": 5}``: when a source
    starts sending integer cents (a type change), the median jumps by ~100 overnight; prices do not.
    """
    rule = load_suite(path).get("meta", {}).get("scale_change")
    if not rule:
        return None
    column, min_rows = rule["column"], int(rule.get("min_rows", 5))
    held = held_back().get(f"{source}.{entity}", {})  # a held (x100) day is not history
    earlier = [d for d in lake.partitions(source, entity) if d < dt and d not in held]
    earlier = earlier[-int(rule.get("history_partitions", 7)) :]
    history = []
    for d in earlier:
        table = lake.read(Partition(source, entity, d))
        values = table.column(column).to_pandas()
        if "quarantine_reason" in table.column_names:
            values = values[table.column("quarantine_reason").is_null().to_pandas()]
        history += [float(v) for v in values.dropna() if float(v) > 0]
    now = [float(v) for v in frame[column].dropna() if float(v) > 0]
    if len(history) < min_rows or len(now) < min_rows:
        return None
    before, after = float(pd.Series(history).median()), float(pd.Series(now).median())
    ratio = after / before
    limit = float(rule.get("max_ratio", 20))
    if 1 / limit <= ratio <= limit:
        return None
    return Failure(
        expectation="scale_change_vs_history",
        kwargs={
            "column": column,
            "entity": f"{source}.{entity}",
            "history_median": before,
            "median": after,
            "history_partitions": earlier,
            "max_ratio": limit,
        },
        severity=rule.get("severity", "critical"),
        observed_value=round(ratio, 3),
        error=None,
    )


def quarantined_rows(path: Path, frame: pd.DataFrame) -> tuple[pd.DataFrame, Failure | None]:
    """Rows extraction landed with a quarantine_reason are set aside, not judged by the suite; too many
    of them (over ``meta.quarantine.max_rows`` and over ``max_share``) stop the run."""
    if "quarantine_reason" not in frame.columns:
        return frame, None
    bad = frame["quarantine_reason"].notna()
    rule = {**QUARANTINE_LIMITS, **load_suite(path).get("meta", {}).get("quarantine", {})}
    count, share = int(bad.sum()), float(bad.mean()) if len(frame) else 0.0
    failure = None
    if count > rule["max_rows"] and share > rule["max_share"]:
        failure = Failure(
            expectation="quarantined_rows",
            kwargs=rule,
            severity="critical",
            unexpected_count=count,
            unexpected_percent=round(100 * share, 3),
            sample=sorted(set(frame.loc[bad, "quarantine_reason"]))[:5],
        )
    return frame[~bad], failure


def run_raw_gate(dt: str, hold_back: bool = False) -> dict:
    """Validate the lake partitions of ``dt`` that have a suite; raise QualityGateError on critical.
    ``hold_back``: an entity failing critically is held back instead, when it has a last good
    partition and some entity passes (see above); its summary says ``held_back``."""
    lake = Lake(settings().lake)
    results, entities = [], {}
    for path in suite_paths("raw"):
        _, source, entity = path.name.removesuffix(".json").split(".", 2)
        if lake.manifest(Partition(source, entity, dt)) is None:
            raise QualityGateError(f"{path.stem}: no lake partition for dt={dt}")
        frame, quarantined = quarantined_rows(path, raw_frame(source, entity, dt, lake))
        result = run_suite(path, frame, docs_dir(dt))
        meta = load_suite(path).get("meta", {})
        checks = [
            row_count_change(path, lake, source, entity, dt),
            scale_change(path, lake, source, entity, dt, frame),
            quarantined,
            freshness.check(source, entity, dt, frame),
        ]  # dbt sources' declared freshness
        for check in checks:
            if check is not None:
                (result.critical_failures if check.severity == "critical" else result.warnings).append(check)
        result.success = not result.critical_failures
        result.evaluated += sum(1 for k in ("row_count_change", "scale_change") if meta.get(k))
        result.evaluated += 1 if (source, entity) in freshness.declared() else 0
        results.append(result)
        entities[result.suite] = (source, entity)
    if not hold_back:
        return _finish(results, dt)
    ledger = held_back()
    failing = [r for r in results if r.critical_failures]
    last_good = {r.suite: _last_good(lake, *entities[r.suite], dt, ledger) for r in failing}
    holdable = failing and len(failing) < len(results) and all(last_good.values())
    for r in results:  # a pass releases the day; a hold records why
        key = r.suite.removeprefix("raw.")
        days = ledger.setdefault(key, {})
        if not r.critical_failures:
            days.pop(dt, None)
        elif holdable:
            days[dt] = {
                "failures": [f.describe() for f in r.critical_failures],
                "last_good_partition": last_good[r.suite],
            }
            log.warning(
                "%s %s held back: stays at %s while the other sources build", key, dt, last_good[r.suite]
            )
    _write_held(ledger)
    return _finish(results, dt, last_good if holdable else None)


def run_marts_gate(dt: str) -> dict:
    """Validate the marts in the warehouse after the build of ``dt``; raise on critical failures."""
    results = []
    for path in suite_paths("marts"):
        model = path.name.removesuffix(".json").split(".", 1)[1]
        results.append(run_suite(path, mart_frame(model), docs_dir(dt)))
    return _finish(results, dt)
