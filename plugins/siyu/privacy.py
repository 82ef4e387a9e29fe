"""Pseudonymisation of personal data before it reaches the lake.

Phone numbers are normalised to E.164 and replaced by an HMAC-SHA256 keyed by ``SIYU_PII_KEY``: the
same phone always gives the same pseudonym (so identity can join on it), and without the key the
pseudonym cannot be reversed by enumerating the ~10^9 Chinese mobile numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import re

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
