"""The raw and marts gates the warehouse DAG runs: every suite in expectations/ for its layer.

Suite files are named ``raw.<source>.<entity>.json`` and ``marts.<model>.json``; adding a file adds
a check. Results are written to ``SIYU_HOME/quality/<dt>/<suite>.json`` (the run summary reads them)
before the gate decides, so a failed run still leaves its evidence.
"""

from __future__ import annotations

import logging
from pathlib import Path

from siyu.config import project_root, settings
from siyu.lake import Lake, Partition
from siyu.quality.frames import mart_frame, raw_frame
from siyu.quality.runner import QualityGateError, SuiteResult, gate, run_suite

log = logging.getLogger(__name__)


def suites_dir() -> Path:
    return project_root() / "expectations"


def suite_paths(layer: str) -> list[Path]:
    return sorted(suites_dir().glob(f"{layer}.*.json"))


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


def run_raw_gate(dt: str) -> dict:
    """Validate the lake partitions of ``dt`` that have a suite; raise QualityGateError on critical."""
    lake = Lake(settings().lake)
    results = []
    for path in suite_paths("raw"):
        _, source, entity = path.name.removesuffix(".json").split(".", 2)
        if lake.manifest(Partition(source, entity, dt)) is None:
            raise QualityGateError(f"{path.stem}: no lake partition for dt={dt}")
        results.append(run_suite(path, raw_frame(source, entity, dt, lake)))
    return _finish(results, dt)


def run_marts_gate(dt: str) -> dict:
    """Validate the marts in the warehouse after the build of ``dt``; raise on critical failures."""
    results = []
    for path in suite_paths("marts"):
        model = path.name.removesuffix(".json").split(".", 1)[1]
        results.append(run_suite(path, mart_frame(model)))
    return _finish(results, dt)
