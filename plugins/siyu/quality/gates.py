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
        "<th>warnings</th></tr>"
        + "".join(rows) + "</table>"
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


def _finish(results: list[SuiteResult], dt: str) -> dict:
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
    gate(results)
    return _summary(results)


def row_count_change(path: Path, lake: Lake, source: str, entity: str, dt: str) -> Failure | None:
    """The suite's ``meta.row_count_change`` check: this partition's rows against the previous one's.

    ``{"max_ratio": 2.0, "min_ratio": 0.5, "severity": "warning"}``: a full snapshot that halves or
    doubles overnight means an API permission or an extractor changed, not that customers left.
    """
    rule = load_suite(path).get("meta", {}).get("row_count_change")
    earlier = [d for d in lake.partitions(source, entity) if d < dt]
    if not rule or not earlier:
        return None
    before = lake.manifest(Partition(source, entity, earlier[-1])).row_count  # type: ignore[union-attr]
    now = lake.manifest(Partition(source, entity, dt)).row_count  # type: ignore[union-attr]
    ratio = now / before if before else (1.0 if not now else float("inf"))
    if rule.get("min_ratio", 0) <= ratio <= rule.get("max_ratio", float("inf")):
        return None
    return Failure(
        expectation="row_count_change_vs_previous_partition",
        kwargs={"previous_dt": earlier[-1], "previous_rows": before, "rows": now,
                "min_ratio": rule.get("min_ratio"), "max_ratio": rule.get("max_ratio")},
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
    earlier = [d for d in lake.partitions(source, entity) if d < dt][-int(rule.get("history_partitions", 7)):]
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
        kwargs={"column": column, "entity": f"{source}.{entity}", "history_median": before,
                "median": after, "history_partitions": earlier, "max_ratio": limit},
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
            expectation="quarantined_rows", kwargs=rule, severity="critical", unexpected_count=count,
            unexpected_percent=round(100 * share, 3),
            sample=sorted(set(frame.loc[bad, "quarantine_reason"]))[:5],
        )
    return frame[~bad], failure


def run_raw_gate(dt: str) -> dict:
    """Validate the lake partitions of ``dt`` that have a suite; raise QualityGateError on critical."""
    lake = Lake(settings().lake)
    results = []
    for path in suite_paths("raw"):
        _, source, entity = path.name.removesuffix(".json").split(".", 2)
        if lake.manifest(Partition(source, entity, dt)) is None:
            raise QualityGateError(f"{path.stem}: no lake partition for dt={dt}")
        frame, quarantined = quarantined_rows(path, raw_frame(source, entity, dt, lake))
        result = run_suite(path, frame, docs_dir(dt))
        meta = load_suite(path).get("meta", {})
        checks = [row_count_change(path, lake, source, entity, dt),
                  scale_change(path, lake, source, entity, dt, frame), quarantined,
                  freshness.check(source, entity, dt, frame)]  # dbt sources' declared freshness
        for check in checks:
            if check is not None:
                (result.critical_failures if check.severity == "critical" else result.warnings).append(check)
        result.success = not result.critical_failures
        result.evaluated += sum(1 for k in ("row_count_change", "scale_change") if meta.get(k))
        result.evaluated += 1 if (source, entity) in freshness.declared() else 0
        results.append(result)
    return _finish(results, dt)


def run_marts_gate(dt: str) -> dict:
    """Validate the marts in the warehouse after the build of ``dt``; raise on critical failures."""
    results = []
    for path in suite_paths("marts"):
        model = path.name.removesuffix(".json").split(".", 1)[1]
        results.append(run_suite(path, mart_frame(model), docs_dir(dt)))
    return _finish(results, dt)
