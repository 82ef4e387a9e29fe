"""Where the privacy machinery keeps its files, under SIYU_HOME/privacy."""

from __future__ import annotations

from pathlib import Path

from siyu.config import settings


def privacy_dir(home: Path | None = None) -> Path:
    return (home or settings().home) / "privacy"


def inbox_dir(home: Path | None = None) -> Path:
    """One JSON file per request: what is pending and what became of it."""
    return privacy_dir(home) / "requests"


def suppression_file(home: Path | None = None) -> Path:
    return privacy_dir(home) / "suppression.json"


def erasure_log(home: Path | None = None) -> Path:
    """One JSON line per erasure: request id, time, rows removed per layer and table; no identifier."""
    return privacy_dir(home) / "erasure_log.jsonl"


def opt_outs_file(home: Path | None = None) -> Path:
    """``privacy_opt_outs`` (Parquet): the consent model reads it."""
    return privacy_dir(home) / "privacy_opt_outs.parquet"


def access_dir(home: Path | None = None) -> Path:
    """Access bundles (one folder per request): hand them to the person, then delete them."""
    return privacy_dir(home) / "access"
