"""Pseudonymisation of personal data before it reaches the lake.

Phone numbers are normalised to E.164 and replaced by an HMAC-SHA256 keyed by ``SIYU_PII_KEY``: the
same phone always gives the same pseudonym (so identity can join on it), and without the key the
pseudonym cannot be reversed by enumerating the ~10^9 Chinese mobile numbers.

Free text (a staff member's remark, a group nickname, an event's properties: the columns
``siyu.contracts.FREE_TEXT`` declares) is where numbers get typed by hand. Every Chinese mobile number
in it is masked before the lake (``mask_phones``; ``siyu.lake`` applies it to every batch it writes),
whatever its shape: 13800138000, 138 0013 8000, 138-0013-8000, 138.0013.8000, +86 / 0086 / (+86) /
86 before it. A digit run that is longer than a mobile number (an order number, a timestamp) or
shaped otherwise (a date, an amount) is left as it is.
"""

from __future__ import annotations

import hashlib
import hmac
import re

import pyarrow as pa
import pyarrow.compute as pc

_NON_DIGITS = re.compile(r"\D+")
_CN_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalise_phone(raw: str | None) -> str | None:
    """Return the E.164 form of a Chinese mobile number, or None when it is not one."""
    if raw is None:
        return None
    digits = _NON_DIGITS.sub("", str(raw))
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not _CN_MOBILE.match(digits):
        return None
    return "+86" + digits


def pseudonymise(value: str, key: bytes) -> str:
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def phone_hash(raw: str | None, key: bytes) -> str | None:
    """HMAC pseudonym of a phone number; None for a missing or malformed number."""
    e164 = normalise_phone(raw)
    return pseudonymise(e164, key) if e164 else None


PHONE_MASK = "[手机号]"
# An optional country code (+86, 0086, 86, (+86)) with one optional separator, then 1[3-9]x and eight
# digits, either run together or as 4 + 4 after the same separator (3-4-4, the way numbers are written).
# Not inside a longer digit run: no digit before, none after.
_IN_TEXT = re.compile(
    r"(?<![\d+])"
    r"(?:(?:\+|00)?86[ \-.]?|[(（]\+?86[)）][ \-.]?)?"
    r"1[3-9]\d(?:\d{8}|([ \-.])\d{4}\1\d{4})"
    r"(?!\d)"
)


_MAYBE = r"1[3-9]\d(\d{8}|[ \-.]\d{4}[ \-.]\d{4})"


def mask_phones(text: str | None) -> str | None:
    """``text`` with every Chinese mobile number in it replaced by PHONE_MASK."""
    if not text:
        return text
    return _IN_TEXT.sub(PHONE_MASK, text)


def _mask_array(array: pa.Array) -> pa.Array:
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        # a vectorised pass first (RE2, a superset of _IN_TEXT): only the rows it flags go through Python
        flags = pc.fill_null(pc.match_substring_regex(array, _MAYBE), False)
        if not pc.any(flags).as_py():
            return array
        return pa.array(
            [mask_phones(v) if f else v for v, f in zip(array.to_pylist(), flags.to_pylist(), strict=True)],
            type=array.type,
        )
    if pa.types.is_list(array.type) and pa.types.is_string(array.type.value_type):
        values = _mask_array(array.values)
        return pa.ListArray.from_arrays(array.offsets, values, mask=array.is_null())
    return array


def mask_free_text(batch: pa.RecordBatch, columns: tuple[str, ...]) -> pa.RecordBatch:
    """The batch with ``columns`` (free text, str or list of str) masked by mask_phones."""
    present = [c for c in columns if c in batch.schema.names]
    if not present or not batch.num_rows:
        return batch
    arrays = [
        _mask_array(batch.column(i)) if name in present else batch.column(i)
        for i, name in enumerate(batch.schema.names)
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=batch.schema)
