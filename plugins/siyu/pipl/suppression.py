"""The suppression list: who was erased, as keyed hashes, so no later landing or build brings them back.

Each entry is ``sha256(key || 0x1f || identifier)`` under a key of its own, ``SIYU_SUPPRESSION_KEY``
(not the PII key): the list holds none of the lake's pseudonyms, and without the key it cannot be
matched against anything. The key has no default outside the demo (``siyu.config``): it is read
where the list is written or matched, so a run before any erasure does not need it, and a run after
one fails without it, naming the variable, rather than let the person back in.

The same hash is computed in DuckDB (``sha256``), so the staging models
apply the list too (macro ``not_suppressed``; the key reaches dbt's connection through the plugin
``siyu.pipl.dbt_plugin`` as a DuckDB variable, never in compiled SQL).

Landing applies it in one place, ``Lake.write_batches`` (``filter_batches``): the person's rows go,
references to them in other rows are nulled (``siyu.pipl.rows``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

import pyarrow as pa

from siyu.config import suppression_key_from_env
from siyu.lake import restrict
from siyu.pipl.paths import suppression_file
from siyu.pipl.rows import scrub

SEP = "\x1f"


def suppression_key() -> str:
    return suppression_key_from_env()


def keyed_hash(value: str, key: str | None = None) -> str:
    return hashlib.sha256(f"{key or suppression_key()}{SEP}{value}".encode()).hexdigest()


def load(path: Path | None = None) -> frozenset[str]:
    path = path or suppression_file()
    return _load(str(path), path.stat().st_mtime_ns) if path.exists() else frozenset()


@lru_cache(maxsize=4)
def _load(path: str, _mtime: int) -> frozenset[str]:
    return frozenset(json.loads(Path(path).read_text())["hashes"])


def add(identifiers: Iterable[str], path: Path | None = None) -> int:
    """Add identifiers (as keyed hashes) to the list, atomically; returns how many were new."""
    path = path or suppression_file()
    current = set(load(path))
    new = {keyed_hash(v) for v in identifiers if v} - current
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"hashes": sorted(current | new)}))
    restrict(tmp)
    tmp.replace(path)
    return len(new)


def hash_matcher(hashes: frozenset[str]):
    key = suppression_key()
    return lambda _column, value: keyed_hash(value, key) in hashes


def not_erased(identifiers: Iterable[str]) -> set[str]:
    """The identifiers not on the suppression list (tag sync skips the others' contacts)."""
    hashes = load()
    if not hashes:  # nobody erased: no key needed
        return set(identifiers)
    key = suppression_key()
    return {v for v in identifiers if keyed_hash(v, key) not in hashes}


def filter_batches(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """The landing's filter: batches without erased people (unchanged when nobody was erased)."""
    hashes = load()
    if not hashes:
        yield from batches
        return
    matches = hash_matcher(hashes)
    for batch in batches:
        if batch.num_rows:
            yield from scrub(pa.Table.from_batches([batch]), matches).table.to_batches()
        else:
            yield batch
