"""Which rows of a table are a person's, and which cells of other rows point at them.

A row is the person's when one of its own identifier cells (any string column, or list of strings)
matches; a cell that only refers to them from someone else's row (who invited, who promoted, a
receiver phone, a staff-noted phone) is nulled instead, so the other customer keeps their row.
Free-text columns are matched token by token (an identifier inside a quarantined line, a JSON
detail, a share's props naming the sharer) and nulled like references.
``matches(column, value)`` decides a cell: the erasure compares values, the landing's
suppression compares keyed hashes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

REFERENCES = {"inviter_openid", "promoter_openid", "receiver_phone_hash", "remark_mobile_hashes"}
FREE_TEXT = {"raw", "detail", "props", "external_profile", "remark", "description", "group_nickname", "name"}
TOKEN = re.compile(r"[A-Za-z0-9_\-+=/.@]{6,}")

Matcher = Callable[[str, str], bool]


@dataclass
class Scrubbed:
    table: pa.Table
    rows_removed: int
    cells_nulled: int


def tokens(value: str) -> list[str]:
    found = TOKEN.findall(value)
    # a token may glue several ids with punctuation ("a/b", "x.y"): their parts count too
    return found + [p for t in found for p in re.split(r"[/.=@+]", t) if len(p) >= 6]


def _string_hits(column: str, values: pa.Array, matches: Matcher) -> pa.Array:
    free = column in FREE_TEXT
    bad = [
        v
        for v in pc.unique(values).to_pylist()
        if v is not None and (matches(column, v) or (free and any(matches(column, t) for t in tokens(v))))
    ]
    if not bad:
        return pa.array([False] * len(values), pa.bool_())
    return pc.fill_null(pc.is_in(values, value_set=pa.array(bad, values.type)), False)


def _cell_hits(column: str, values: pa.Array, matches: Matcher) -> pa.Array | None:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        return _string_hits(column, values, matches)
    if pa.types.is_list(values.type) and pa.types.is_string(values.type.value_type):
        flat = _string_hits(column, pc.list_flatten(values), matches)
        rows = pc.unique(pc.filter(pc.list_parent_indices(values), flat))
        return pc.is_in(pa.array(range(len(values)), pa.int64()), value_set=rows.cast(pa.int64()))
    return None  # numbers, dates, structs of codes: no identifier


def scrub(table: pa.Table, matches: Matcher) -> Scrubbed:
    """``table`` without the person's rows, and with references to them nulled."""
    own = pa.array([False] * table.num_rows, pa.bool_())
    columns, nulled = {}, 0
    for name in table.schema.names:
        hits = _cell_hits(name, table[name], matches)
        if hits is None:
            continue
        if name in REFERENCES or name in FREE_TEXT:  # someone else's row that mentions them
            if pc.any(hits).as_py():
                nulled += pc.sum(hits).as_py()
                column = table[name].combine_chunks()
                columns[name] = pc.if_else(hits, pa.scalar(None, column.type), column)
        else:
            own = pc.or_(own, hits)
    for name, column in columns.items():
        table = table.set_column(table.schema.get_field_index(name), table.schema.field(name), column)
    removed = pc.sum(own).as_py() or 0
    if removed:
        table = table.filter(pc.invert(own))
    return Scrubbed(table, removed, nulled)
