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

from siyu.config import project_root, settings
from siyu.lake import Lake, Partition
from siyu.quality import freshness
from siyu.quality.frames import mart_frame, raw_frame
from siyu.quality.runner import Failure, QualityGateError, SuiteResult, gate, load_suite, run_suite

log = logging.getLogger(__name__)


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
    before = lake.manifest(Partition(source, entity, earlier[-1])).row_count
    now = lake.manifest(Partition(source, entity, dt)).row_count
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


def run_raw_gate(dt: str) -> dict:
    """Validate the lake partitions of ``dt`` that have a suite; raise QualityGateError on critical."""
    lake = Lake(settings().lake)
    results = []
    for path in suite_paths("raw"):
        _, source, entity = path.name.removesuffix(".json").split(".", 2)
        if lake.manifest(Partition(source, entity, dt)) is None:
            raise QualityGateError(f"{path.stem}: no lake partition for dt={dt}")
        frame = raw_frame(source, entity, dt, lake)
        result = run_suite(path, frame, docs_dir(dt))
        change = row_count_change(path, lake, source, entity, dt)
        stale = freshness.check(source, entity, dt, frame)  # dbt sources' declared freshness
        for failure in (f for f in (change, stale) if f is not None):
            (result.critical_failures if failure.severity == "critical" else result.warnings).append(failure)
            result.success = not result.critical_failures
        result.evaluated += 1 if load_suite(path).get("meta", {}).get("row_count_change") else 0
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
