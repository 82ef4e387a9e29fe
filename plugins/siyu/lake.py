"""The Parquet lake: immutable, atomically replaced partitions with manifests.

Layout: ``<lake>/raw/<source>/<entity>/dt=<YYYY-MM-DD>/part-0000.parquet`` + ``_manifest.json``.
A partition is written in full to a hidden temp dir beside its final place and then renamed in, so a
reader (or a crash) never sees half a partition. Re-writing a date replaces the partition whole. The
lake root (SIYU_LAKE) is a local path or any fsspec URL, e.g. ``s3://bucket/lake`` (s3fs, in the
``deploy`` extra) with ``SIYU_LAKE_OPTIONS``, a JSON object of the filesystem's options (for S3-compatible
storage: ``{"endpoint_url": "http://minio:9000"}``; credentials from the usual ``AWS_*`` variables).
dbt reads the same URL through the same fsspec filesystem (``dbt_filesystems``, profiles.yml).

Everything Siyu writes on local disk (lake, published marts, exports, quality results) is owner-only,
files 0600 and folders 0700 (``restrict``), unless ``SIYU_FILE_MODE`` says otherwise (e.g. ``0640``
for a group of BI readers; folders get the matching search bits).
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from siyu.contracts import FREE_TEXT
from siyu.privacy import mask_free_text

MANIFEST = "_manifest.json"
PART = "part-0000.parquet"
# Rows per Parquet row group: DuckDB scans a file's row groups in parallel, one per thread, so an
# entity's first partition (all its history) must not be a few million-row groups (pyarrow's
# default, 1Mi rows): that build used one core. DuckDB's own row group size.
ROW_GROUP_ROWS = 122_880


def output_modes() -> tuple[int, int]:
    """(file mode, folder mode) for outputs: SIYU_FILE_MODE (octal), 0600 by default."""
    file_mode = int(os.environ.get("SIYU_FILE_MODE", "0600"), 8) & 0o666
    search = (file_mode & 0o444) >> 2  # read permission → search permission on folders
    return file_mode, file_mode | search


def restrict(*paths: str | Path) -> None:
    """Give local outputs the output modes, recursively (symlinks are left alone)."""
    file_mode, dir_mode = output_modes()
    for top in map(Path, paths):
        if top.is_symlink() or not top.exists():
            continue
        if top.is_file():
            top.chmod(file_mode)
            continue
        top.chmod(dir_mode)
        for folder, dirs, files in os.walk(top):
            for name in dirs:
                if not (Path(folder) / name).is_symlink():
                    (Path(folder) / name).chmod(dir_mode)
            for name in files:
                if not (Path(folder) / name).is_symlink():
                    (Path(folder) / name).chmod(file_mode)


def restrict_folder(folder: str | Path) -> None:
    """One folder (not its content) to the output folder mode."""
    Path(folder).chmod(output_modes()[1])


def schema_fingerprint(schema: pa.Schema) -> str:
    text = ",".join(f"{f.name}:{f.type}" for f in schema)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class Partition:
    source: str
    entity: str
    dt: str

    def rel(self) -> str:
        return f"raw/{self.source}/{self.entity}/dt={self.dt}"


@dataclass
class Manifest:
    source: str
    entity: str
    dt: str
    row_count: int
    schema_fingerprint: str
    files: dict[str, str]  # file name -> sha256
    window: dict[str, Any] = field(default_factory=dict)  # extraction window / watermark / cursor

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def storage_options() -> dict[str, Any]:
    """The lake filesystem's options (SIYU_LAKE_OPTIONS, JSON): endpoint, region, ... for a remote lake."""
    options = json.loads(os.environ.get("SIYU_LAKE_OPTIONS") or "{}")
    if not isinstance(options, dict):
        raise ValueError(
            "SIYU_LAKE_OPTIONS must be a JSON object of fsspec options, e.g. "
            '{"endpoint_url": "http://127.0.0.1:9000"}'
        )
    return options


def is_remote(url: str) -> bool:
    return "://" in url and not url.startswith("file://")


def dbt_filesystems(url: str) -> list[dict[str, Any]]:
    """dbt-duckdb's ``filesystems`` for a lake at ``url``: a remote lake's fsspec filesystem, registered
    with DuckDB so dbt reads it as landing wrote it (no httpfs extension to download); none locally."""
    if not is_remote(url):
        return []
    return [{"fs": url.split("://", 1)[0], **storage_options()}]


class Lake:
    def __init__(self, root: str, options: dict[str, Any] | None = None):
        if options is None:
            options = storage_options() if is_remote(root) else {}
        self.fs, self.root = fsspec.core.url_to_fs(root, **options)
        self.root = self.root.rstrip("/")
        self.local = self.fs.protocol in ("file", ("file", "local"))

    def path(self, *parts: str) -> str:
        return "/".join([self.root, *parts])

    def partition_path(self, part: Partition) -> str:
        return self.path(part.rel())

    def write(self, part: Partition, table: pa.Table, window: dict[str, Any] | None = None) -> Manifest:
        """Write ``table`` as the whole partition, replacing any earlier one atomically."""
        return self.write_batches(part, table.schema, table.to_batches(), window)

    def write_batches(
        self,
        part: Partition,
        schema: pa.Schema,
        batches: Iterable[pa.RecordBatch],
        window: dict[str, Any] | None = None,
    ) -> Manifest:
        """Stream record batches into a new partition (memory stays flat whatever the row count)."""
        final = self.partition_path(part)
        parent = final.rsplit("/", 1)[0]
        tmp = f"{parent}/.tmp-dt={part.dt}-{uuid.uuid4().hex[:8]}"
        self.fs.makedirs(tmp, exist_ok=True)
        data_path = f"{tmp}/{PART}"
        rows = 0
        from siyu.pipl.suppression import filter_batches  # erased people never land again (PIPL Art. 47)

        batches = filter_batches(batches)
        # Fixed writer options so the same rows give the same bytes (re-runs compare by checksum).
        with self.fs.open(data_path, "wb") as fh, pq.ParquetWriter(fh, schema, compression="zstd") as writer:
            for batch in batches:
                if batch.num_rows:
                    batch = mask_free_text(batch, FREE_TEXT.get((part.source, part.entity), ()))
                    writer.write_batch(batch, row_group_size=ROW_GROUP_ROWS)
                    rows += batch.num_rows
        with self.fs.open(data_path, "rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
        manifest = Manifest(
            source=part.source,
            entity=part.entity,
            dt=part.dt,
            row_count=rows,
            schema_fingerprint=schema_fingerprint(schema),
            files={PART: digest},
            window=window or {},
        )
        with self.fs.open(f"{tmp}/{MANIFEST}", "w") as fh:
            fh.write(manifest.to_json())
        if self.local:
            restrict(tmp)
            for folder in (parent, parent.rsplit("/", 1)[0], self.path("raw"), self.root):
                restrict_folder(folder)
        self._swap_in(tmp, final)
        return manifest

    def _swap_in(self, tmp: str, final: str) -> None:
        if not self.local:
            return self._swap_in_objects(tmp, final)
        old = None
        if self.fs.exists(final):
            old = final.rsplit("/", 1)[0] + f"/.old-{uuid.uuid4().hex[:8]}"
            self.fs.mv(final, old, recursive=True)
        self.fs.mv(tmp, final, recursive=True)
        if old:
            self.fs.rm(old, recursive=True)

    def _swap_in_objects(self, tmp: str, final: str) -> None:
        """Object storage has no folders to rename: copy the new files in with the manifest last and
        removed first, so ``partitions()`` and ``manifest()`` never see a manifest beside other data."""
        manifest = f"{final}/{MANIFEST}"
        if self.fs.exists(manifest):
            self.fs.rm(manifest)
        new = {p.rsplit("/", 1)[-1] for p in self.fs.find(tmp)}
        for stale in self.fs.find(final) if self.fs.exists(final) else []:
            if stale.rsplit("/", 1)[-1] not in new:
                self.fs.rm(stale)
        for name in sorted(new - {MANIFEST}) + [MANIFEST]:
            self.fs.copy(f"{tmp}/{name}", f"{final}/{name}")
        self.fs.rm(tmp, recursive=True)

    def manifest(self, part: Partition) -> Manifest | None:
        path = f"{self.partition_path(part)}/{MANIFEST}"
        if not self.fs.exists(path):
            return None
        with self.fs.open(path) as fh:
            return Manifest(**json.load(fh))

    def read(self, part: Partition, columns: list[str] | None = None) -> pa.Table:
        with self.fs.open(f"{self.partition_path(part)}/{PART}", "rb") as fh:
            return pq.read_table(fh, columns=columns)

    def partitions(self, source: str, entity: str) -> list[str]:
        """Dates that have a complete partition (a manifest), oldest first."""
        base = self.path("raw", source, entity)
        if not self.fs.exists(base):
            return []
        dates = []
        for p in self.fs.ls(base, detail=False):
            name = p.rstrip("/").rsplit("/", 1)[-1]
            if name.startswith("dt=") and self.fs.exists(f"{p}/{MANIFEST}"):
                dates.append(name[3:])
        return sorted(dates)

    def recover(self, source: str = "*", entity: str = "*") -> list[str]:
        """Clean up after a crash: drop temp dirs; restore a partition whose swap was interrupted.

        Call it before writing an entity, from the one task that writes it (a temp dir of a writer
        still running would otherwise be removed).
        """
        actions = []
        for tmp in self.fs.glob(self.path("raw", source, entity, ".tmp-*")):
            self.fs.rm(tmp, recursive=True)
            actions.append(f"removed {tmp}")
        for old in self.fs.glob(self.path("raw", source, entity, ".old-*")):
            entity_dir = old.rsplit("/", 1)[0]
            with self.fs.open(f"{old}/{MANIFEST}") as fh:
                dt = json.load(fh)["dt"]
            final = f"{entity_dir}/dt={dt}"
            if self.fs.exists(final):
                self.fs.rm(old, recursive=True)
            else:
                self.fs.mv(old, final, recursive=True)
                actions.append(f"restored {final}")
        return actions
