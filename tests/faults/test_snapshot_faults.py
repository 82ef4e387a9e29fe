"""A WeCom snapshot whose conversion fails part-way leaves the lake as the previous run left it: never
this run's contacts beside the last run's group members."""

from __future__ import annotations

import pytest

from siyu.lake import Lake, Partition
from siyu.sources.wecom.extract import write_snapshot

DAY = "2026-03-01"


def snapshot(members_gender) -> dict[str, list[dict]]:
    return {
        "external_contacts": [{"external_userid": "wm1", "type": 1, "gender": 1}],
        "group_members": [{"chat_id": "g1", "userid": "wm1", "type": members_gender}],
    }


def files(lake: Lake) -> dict:
    entities = ("external_contacts", "group_members")
    return {e: lake.manifest(Partition("wecom", e, DAY)).files for e in entities}


def test_a_conversion_error_mid_snapshot_writes_nothing(tmp_path):
    lake = Lake(str(tmp_path))
    write_snapshot(lake, DAY, snapshot(2))
    before = files(lake)
    bad = snapshot("not a number")  # the last entity fails to convert
    bad["external_contacts"][0]["external_userid"] = "wm2"
    with pytest.raises(Exception):  # noqa: B017 - pyarrow's conversion error, whatever its class
        write_snapshot(lake, DAY, bad)
    assert files(lake) == before
