"""Run a Great Expectations suite (JSON in expectations/) on a pandas DataFrame.

Suites are GX's own ExpectationSuite JSON (name, expectations: [{type, kwargs, meta}]); each
expectation's ``meta.severity`` is ``critical`` (a failure stops the run) or ``warning`` (reported).
A row-level expectation whose bad rows staging sets aside (data_quarantine) has two thresholds: the
share, GX's ``kwargs.mostly``, and an absolute count, ``meta.max_unexpected_rows``. It stops the run
only when both are exceeded: one bad order in seven on a quiet day is tolerated (a warning, and the
row is quarantined), as is 0.5 % of a busy day.
One ephemeral GX context per process, reused: GX is slow to import and to set up, not to validate.
GX's SQL datasource fails on DuckDB, so marts are read into pandas too (see frames.py).
"""

from __future__ import annotations

import copy
import html
import json
import math
import time
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from siyu.errors import RunError

SEVERITIES = ("critical", "warning")
SAMPLE_SIZE = 5


class QualityGateError(RunError):
    """A critical expectation failed: the data must not flow on."""


@dataclass
class Failure:
    expectation: str  # the GX expectation type, e.g. expect_column_values_to_be_unique
    kwargs: dict[str, Any]
    severity: str
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    observed_value: Any = None
    sample: list[Any] = field(default_factory=list)  # a few unexpected values
    error: str | None = None  # the expectation could not run (missing column, ...)
    tolerated: str | None = None  # why a failed critical expectation did not stop the run

    def describe(self) -> str:
        column = self.kwargs.get("column")
        what = f"{self.expectation}({column})" if column else self.expectation
        if self.error:
            return f"{what}: error {self.error}"
        detail = f"{self.unexpected_count} unexpected" if self.unexpected_count is not None else ""
        if self.observed_value is not None:
            detail = f"observed {self.observed_value}"
        tolerated = f" ({self.tolerated})" if self.tolerated else ""
        return f"{what}: {detail}, sample {self.sample}{tolerated}"


@dataclass
class SuiteResult:
    suite: str
    success: bool  # no critical failure (warnings allowed)
    evaluated: int
    rows: int
    seconds: float  # validation only (GX import and context setup are paid once per process)
    critical_failures: list[Failure]
    warnings: list[Failure]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False, default=str)


def load_suite(suite_path: Path) -> dict[str, Any]:
    """Read and check a suite file: every expectation must carry a known meta.severity."""
    suite = json.loads(Path(suite_path).read_text())
    for exp in suite["expectations"]:
        severity = exp.get("meta", {}).get("severity")
        if severity not in SEVERITIES:
            raise ValueError(
                f"{suite_path}: {exp['type']} has meta.severity={severity!r}, not one of {SEVERITIES}"
            )
    return suite


@cache
def _batch_definition():
    # Imported here: `import great_expectations` costs seconds, only pay it when validating.
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("siyu")
    return source.add_dataframe_asset("frame").add_batch_definition_whole_dataframe("whole")


def _gx_suite(suite: dict[str, Any]):
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    expectations = [
        ExpectationConfiguration(type=e["type"], kwargs=e.get("kwargs", {}), meta=e["meta"]).to_domain_obj()
        for e in suite["expectations"]
    ]
    return gx.ExpectationSuite(name=suite["name"], expectations=expectations)


def _plain(value: Any) -> Any:
    """JSON-friendly sample values (NaN → None, numpy scalars → Python)."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "item"):
        return value.item()
    return value


def _error_message(info: dict | None) -> str | None:
    """GX reports an expectation that could not run either flat or per metric; find the message."""
    if not info:
        return None
    if "raised_exception" in info:
        return str(info.get("exception_message"))[:300] if info["raised_exception"] else None
    messages = [v.get("exception_message") for v in info.values() if isinstance(v, dict)]
    return next((str(m)[:300] for m in messages if m), None)


def _failure(result, severity: str) -> Failure:
    config = result.expectation_config
    details = result.result or {}
    kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
    error = _error_message(result.exception_info)
    return Failure(
        expectation=config.type,
        kwargs=kwargs,
        severity=severity,
        unexpected_count=details.get("unexpected_count"),
        unexpected_percent=details.get("unexpected_percent"),
        observed_value=_plain(details.get("observed_value")),
        sample=[_plain(v) for v in (details.get("partial_unexpected_list") or [])[:SAMPLE_SIZE]],
        error=error,
    )


def within_row_limit(failure: Failure, limit: int | None) -> bool:
    """A row-level failure under the absolute threshold (the share threshold is GX's ``mostly``)."""
    return (
        limit is not None
        and failure.error is None
        and failure.unexpected_count is not None
        and (failure.unexpected_count <= int(limit))
    )


def _escaped(value: Any) -> Any:
    if isinstance(value, str):
        return html.escape(value)
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_escaped(v) for v in value)
    return value


def render_data_docs(validation, path: Path) -> None:
    """GX's own Data Docs page for one validation result (the renderer its site builder uses).

    GX's templates put failing values into the page as markup: a value from the data (a contact's
    remark, an event's page) could carry a script. Every value is escaped before rendering.
    """
    from great_expectations.render.renderer import ValidationResultsPageRenderer
    from great_expectations.render.view import DefaultJinjaPageView

    safe = copy.deepcopy(validation)
    for result in safe.results:
        result.result = _escaped(result.result or {})
        config = result.expectation_config
        config.kwargs = _escaped(dict(config.kwargs))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(DefaultJinjaPageView().render(ValidationResultsPageRenderer().render(safe)))


def run_suite(suite_path: Path, df: pd.DataFrame, docs_dir: Path | None = None) -> SuiteResult:
    """Validate ``df`` against the suite at ``suite_path``; never raises on failed expectations.

    With ``docs_dir``, the validation's Data Docs page is written there as ``<suite>.html``.
    """
    suite = load_suite(suite_path)
    batch_definition = _batch_definition()  # first call: GX import + context, ~10 s, once per process
    start = time.perf_counter()
    batch = batch_definition.get_batch(batch_parameters={"dataframe": df})
    validation = batch.validate(
        _gx_suite(suite), result_format={"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE}
    )
    if docs_dir is not None:
        render_data_docs(validation, docs_dir / f"{suite['name']}.html")
    critical: list[Any] = []
    warnings: list[Any] = []
    for result in validation.results:
        if result.success:
            continue
        severity = result.expectation_config.meta.get("severity", "critical")
        failure = _failure(result, severity)
        limit = result.expectation_config.meta.get("max_unexpected_rows")
        if severity == "critical" and within_row_limit(failure, limit):
            failure.tolerated = f"{failure.unexpected_count} rows, at most {limit} tolerated: set aside"
            severity = "warning"
        (critical if severity == "critical" else warnings).append(failure)
    return SuiteResult(
        suite=suite["name"],
        success=not critical,
        evaluated=len(validation.results),
        rows=len(df),
        seconds=round(time.perf_counter() - start, 3),
        critical_failures=critical,
        warnings=warnings,
    )


def gate(results: SuiteResult | list[SuiteResult]) -> None:
    """Raise QualityGateError naming each suite's failed critical expectations and a sample."""
    results = [results] if isinstance(results, SuiteResult) else results
    lines = [f"{r.suite}: {f.describe()}" for r in results for f in r.critical_failures]
    if lines:
        raise QualityGateError("critical expectations failed:\n  " + "\n  ".join(lines))
