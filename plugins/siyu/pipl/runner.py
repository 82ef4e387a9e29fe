"""The ``siyu_privacy`` DAG's task: carry out every pending request, oldest first. Each ends in the
request's file with its status and outcome (counts only); an erasure's log entry goes to the erasure
log. A failed request is marked failed with its error and the others still run."""

from __future__ import annotations

import logging

from siyu.pipl import requests
from siyu.pipl.resolve import resolve
from siyu.pipl.suppression import keyed_hash

log = logging.getLogger(__name__)


def carry_out(request: dict) -> dict:
    ids = resolve(request["identifier_type"], request["value"])
    if request["kind"] == "opt-out":
        from siyu.pipl.optouts import record

        return {"opt_out_rows": record(request, ids), "identifiers": ids.counts()}
    if request["kind"] == "export":
        from siyu.pipl.access import write_bundle

        return {"bundle": str(write_bundle(request, ids)), "identifiers": ids.counts()}
    from siyu.pipl.erase import erase

    subject = keyed_hash(request["value"])
    entry = erase(request, ids)
    request.update(value=None, subject=subject)  # the inbox keeps no identifier of an erased person
    return {"seconds": entry["seconds"], "identifiers": ids.counts()}


def carry_out_pending() -> dict[str, str]:
    """Request id → its final status."""
    done = {}
    for request in requests.pending():
        try:
            outcome = carry_out(request)
            requests.finish(request, "done", outcome)
            done[request["id"]] = "done"
        except Exception as error:  # recorded on the request, raised after the others ran
            log.exception("privacy request %s failed", request["id"])
            requests.finish({**request}, "failed", {"error": f"{type(error).__name__}: {error}"[:500]})
            done[request["id"]] = "failed"
        log.info("privacy request %s (%s): %s", request["id"], request["kind"], done[request["id"]])
    if "failed" in done.values():
        raise RuntimeError(f"privacy requests failed: {sorted(k for k, v in done.items() if v == 'failed')}")
    return done
