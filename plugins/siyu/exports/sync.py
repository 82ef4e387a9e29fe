"""Tag sync run: the published customer tags → WeCom corp tags on each follow relation.

Desired tags come from the published marts (customer_tags through customer_contacts, mapped by
tag_map.json); current tags are read from the API at sync time. See tag_sync.py for why that makes a
second run a no-op and a failed call retried exactly once in effect.

A contact who may not be contacted on WeCom (customer_consent.can_contact_wecom false) is left out of
the sync: no tag is added or removed on their relations, and the summary counts them (``left_out``).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from siyu.exports.tag_sync import apply, plan
from siyu.pipl.suppression import not_erased
from siyu.publish import newer_publication
from siyu.sources.wecom.client import WeComClient

TAG_MAP = Path(__file__).with_name("tag_map.json")


def load_mapping(path: Path = TAG_MAP) -> dict[str, tuple[str, str]]:
    raw = json.loads(path.read_text())
    return {k: (v["group_name"], v["tag_name"]) for k, v in raw.items() if not k.startswith("_")}


def corp_tag_ids(client: WeComClient, mapping: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Mart tag → corp tag id; a mapped corp tag missing from the corp's library is an error."""
    ids = {(g["group_name"], t["name"]): t["id"] for g in client.corp_tags() for t in g.get("tag", [])}
    missing = sorted({v for v in mapping.values() if v not in ids})
    if missing:
        raise ValueError(f"corp tags in tag_map.json missing from WeCom: {missing}; create them first")
    return {k: ids[v] for k, v in mapping.items()}


def desired_by_contact(published: Path, mart_to_corp: dict[str, str]) -> dict[str, set[str]] | None:
    """external_userid → wanted corp tag ids; None when the published marts hold no customer_tags."""
    with duckdb.connect(str(published), read_only=True) as con:
        present = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        if "customer_tags" not in present:
            return None
        rows = con.execute("""
            select distinct k.external_userid, t.tag_name
            from customer_contacts k join customer_tags t using (customer_id)
        """).fetchall()
    desired: dict[str, set[str]] = {}
    for ext, tag in rows:
        if tag in mart_to_corp:
            desired.setdefault(ext, set()).add(mart_to_corp[tag])
    return desired


def blocked_contacts(published: Path) -> set[str]:
    """external_userids whose customer may not be contacted on WeCom, or whom identity does not know
    (no consent known: left alone). Raises when the publication holds no customer_consent."""
    from siyu.exports.profiles import require_consent

    with duckdb.connect(str(published), read_only=True) as con:
        require_consent(con)
        rows = con.execute("""
            select ci.identifier from customer_identifiers ci
            join customer_consent c using (customer_id)
            where ci.identifier_type = 'external_userid' and not c.can_contact_wecom
        """).fetchall()
    return {r[0] for r in rows}


def current_tags(client: WeComClient) -> dict[tuple[str, str], set[str]]:
    return {
        (item["follow_info"]["userid"], item["external_contact"]["external_userid"]): set(
            item["follow_info"].get("tag_id", [])
        )
        for item in client.iter_contacts()
    }


def sync_tags(client: WeComClient, published: Path, dry_run: bool = False, date: str | None = None) -> dict:
    """Make WeCom's managed tags those of the published marts. For a ``date`` older than the current
    publication (a backfill's build) nothing is written: WeCom follows the newest marts only."""
    newer = newer_publication(published, date) if date else None
    if newer:
        skipped = f"the current publication is newer ({newer})"
        return {"planned": 0, "adds": 0, "removes": 0, "skipped": skipped}
    blocked = blocked_contacts(published)  # before any call: no consent mart, no sync
    mart_to_corp = corp_tag_ids(client, load_mapping())
    desired = desired_by_contact(published, mart_to_corp)
    if desired is None:  # never read "no tags mart" as "remove every managed tag"
        return {"planned": 0, "adds": 0, "removes": 0, "skipped": "no customer_tags in the published marts"}
    current = current_tags(client)
    # an erased person (PIPL Art. 47) is no longer managed: their follows are skipped, never untagged
    kept = not_erased([ext for _, ext in current])
    allowed = {
        follow: tags for follow, tags in current.items() if follow[1] not in blocked and follow[1] in kept
    }
    changes = plan(desired, allowed, set(mart_to_corp.values()))
    summary = {
        # relations of contacts who may not be contacted (erased ones are counted apart, below)
        "left_out": sum(f[1] in blocked and f[1] in kept for f in current),
        "planned": len(changes),
        "adds": sum(len(c.add_tag) for c in changes),
        "removes": sum(len(c.remove_tag) for c in changes),
    }
    if erased := len(current) - sum(f[1] in kept for f in current):
        summary["skipped_erased"] = erased
    if dry_run:
        return summary
    result = apply(changes, client)
    return {**summary, "applied": len(result.applied), "failed": len(result.failed)}
