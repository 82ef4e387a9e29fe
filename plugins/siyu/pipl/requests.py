"""The privacy inbox: one JSON file per request (``SIYU_HOME/privacy/requests/<id>.json``).

A request has an id, a kind (erase, export, opt-out), an identifier type and value, when it was
received, and its status and outcome once the ``siyu_privacy`` DAG has carried it out. A raw phone is
pseudonymised as it is filed (``siyu.privacy.phone_hash``): no raw number is ever written. Once an
erasure is done its value is dropped from the file (only its keyed suppression hash stays), so the
inbox does not keep what the erasure removed.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

from siyu.config import settings
from siyu.lake import restrict
from siyu.pipl.paths import inbox_dir
from siyu.privacy import phone_hash

KINDS = ("erase", "export", "opt-out")
ID_TYPES = ("phone", "unionid", "mp_openid", "external_userid", "customer_id")


class RequestError(ValueError):
    pass


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _path(request_id: str, home: Path | None = None) -> Path:
    if not request_id.replace("-", "").isalnum():
        raise RequestError(f"not a request id: {request_id!r}")
    return inbox_dir(home) / f"{request_id}.json"


def save(request: dict, home: Path | None = None) -> None:
    path = _path(request["id"], home)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(request, indent=1, ensure_ascii=False))
    restrict(tmp)
    tmp.replace(path)


def file_request(kind: str, id_type: str, value: str, home: Path | None = None) -> dict:
    """Put a request in the inbox; returns it (its ``id`` is what the requester is given)."""
    if kind not in KINDS:
        raise RequestError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if id_type not in ID_TYPES:
        raise RequestError(f"identifier type must be one of {', '.join(ID_TYPES)}, not {id_type!r}")
    value = (value or "").strip()
    if id_type == "phone":
        hashed = phone_hash(value, settings().pii_key)  # never stored raw
        if hashed is None:
            raise RequestError("not a Chinese mobile number")
        value = hashed
    if not value:
        raise RequestError("an identifier value is required")
    request = {
        "id": f"pr-{dt.datetime.now(dt.UTC):%Y%m%d}-{uuid.uuid4().hex[:10]}",
        "kind": kind,
        # a phone is kept as the pseudonym the lake uses: resolution looks it up as phone_hash
        "identifier_type": "phone_hash" if id_type == "phone" else id_type,
        "value": value,
        "received_at": now(),
        "status": "pending",
    }
    save(request, home)
    return request


def get(request_id: str, home: Path | None = None) -> dict:
    path = _path(request_id, home)
    if not path.exists():
        raise RequestError(f"no request {request_id}")
    return json.loads(path.read_text())


def pending(home: Path | None = None) -> list[dict]:
    """Pending requests, oldest first."""
    folder = inbox_dir(home)
    found = [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))] if folder.exists() else []
    return sorted((r for r in found if r["status"] == "pending"), key=lambda r: r["received_at"])


def finish(request: dict, status: str, outcome: dict, home: Path | None = None) -> dict:
    request = {**request, "status": status, "finished_at": now(), "outcome": outcome}
    save(request, home)
    return request
