"""The "add your advisor" code (专属顾问码): many brands put a WeCom contact way inside the
mini-program. When a user opens the page, the brand's backend creates a contact way for them
(externalcontact/add_contact_way, document/path/92228) whose `state` carries a short code of the
user's (WeCom allows 30 characters), and stores (openid, state, created_at) in its own database. The
contact the user becomes then carries that `state` in its follow_info: it ties the WeCom contact to
the mini-program user even when WeCom shows no unionid.

Who uses it: mini-program users who came to the brand through the mini-program (not by a store,
package or live QR code) and then added a staff member. By default half of them do it through the
code (ADVISOR_CODE_SHARE): the code is the page's one route from the mini-program into WeCom; the
other half add a staff member by phone search, a shared card or a group. A guess at a typical brand,
not a measurement: set it per world (build_world(advisor_code_share=...)).

Chosen by a hash of the person, not by the world's random stream, so the rest of a seeded world is
the same whatever the share.
"""

from __future__ import annotations

import datetime as dt
import hashlib

ADVISOR_CODE_SHARE = 0.5
STATE_PREFIX = "adv_"  # plus 12 hex characters: 16 of WeCom's 30


def _uses_code(person_id: str, share: float) -> bool:
    draw = int(hashlib.sha256(f"advisor:{person_id}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return draw < share


def advisor_state(openid: str) -> str:
    return STATE_PREFIX + hashlib.sha256(f"state:{openid}".encode()).hexdigest()[:12]


def add_advisor_codes(
    people, wecom_state: dict, rows: dict, qr_channels, share: float = ADVISOR_CODE_SHARE
) -> int:
    """Set the follow `state` of the users who added their advisor through the code, and write the
    brand's table of codes (rows['advisor_codes']). Returns how many users did."""
    users = {u["openid"]: u for u in rows["mp_users"]}
    contacts = {c["external_contact"]["external_userid"]: c for c in wecom_state["contacts"]}
    for gone in wecom_state.get("history", {}).get("deleted_contacts", []):
        contacts.setdefault(gone["contact"]["external_contact"]["external_userid"], gone["contact"])
    codes = []
    for person in people:
        user = users.get(person.openid)
        contact = contacts.get(person.external_userid)
        if (
            person.kind != "customer"
            or not person.on_wecom
            or user is None
            or contact is None
            or person.channel in qr_channels
            or not _uses_code(person.person_id, share)
        ):
            continue
        added = dt.datetime.fromtimestamp(contact["follow_user"][0]["createtime"], dt.UTC).replace(
            tzinfo=None
        )
        if user["created_at"] > added:  # met in WeCom first: the mini-program came later
            continue
        first = contact["follow_user"][0]
        if first["add_way"] == 202:  # already inherited: the original follow's state is gone
            continue
        state = advisor_state(person.openid)
        first["state"], first["add_way"] = state, 1  # a contact way's code is scanned (add_way 1)
        created = max(user["created_at"], added - dt.timedelta(minutes=2)).replace(microsecond=0)
        codes.append({"openid": person.openid, "state": state, "created_at": created, "updated_at": created})
    rows["advisor_codes"] = codes
    return len(codes)
