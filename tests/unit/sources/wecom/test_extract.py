"""WeCom snapshot extraction into the lake, from the real simulator server."""

from __future__ import annotations

import json
import re

import duckdb
import pytest

from siyu.lake import Lake, Partition
from siyu.sources.wecom.extract import land_wecom
from siyu_dev.simulator.wecom_server import serve

from .conftest import make_client

DT = "2026-11-24"
KEY = b"test-key"


def land(server, root) -> dict:
    with make_client(server) as client:
        return land_wecom(client, Lake(str(root)), DT, KEY)


def test_every_entity_lands_with_the_simulators_rows(wecom_server, small_world, tmp_path):
    manifests = land(wecom_server, tmp_path / "lake")
    state = small_world.world.wecom_state
    assert manifests["external_contacts"].row_count == len(state["contacts"])
    assert manifests["follow_users"].row_count == sum(len(c["follow_user"]) for c in state["contacts"])
    assert manifests["group_chats"].row_count == len(state["group_chats"])
    assert manifests["group_members"].row_count == sum(len(g["member_list"]) for g in state["group_chats"])
    tags = [g["tag"] for g in state["tag_groups"] + state["strategy_tag_groups"]]
    assert manifests["corp_tags"].row_count == sum(len(t) for t in tags)
    assert manifests["unassigned_contacts"].row_count == len(state["unassigned"]) > 0
    assert manifests["landing_issues"].row_count == 0
    assert manifests["contact_ways"].row_count == len(state["contact_ways"])
    assert manifests["user_behavior"].row_count == 30 * len(state["follow_user_list"])
    lake = tmp_path / "lake" / "raw" / "wecom"
    with duckdb.connect() as con:
        tagged = con.execute(
            f"select count(*) from read_parquet('{lake}/follow_users/*/*.parquet'), unnest(tags) t "
            "where t.unnest.tag_name is not null"
        ).fetchall()[0][0]
        states = con.execute(
            f"select count(distinct f.state) from read_parquet('{lake}/follow_users/*/*.parquet') f "
            f"join read_parquet('{lake}/contact_ways/*/*.parquet') w using (state)"
        ).fetchall()[0][0]
    assert tagged > 0  # tag ids resolved to names from the corp tag library
    assert states == len(state["contact_ways"])  # every QR code's state explains some contacts


def test_remark_mobiles_are_pseudonymised(wecom_server, tmp_path):
    land(wecom_server, tmp_path / "lake")
    for path in (tmp_path / "lake").rglob("*.parquet"):
        assert not re.search(rb"(?<!\d)1[3-9]\d{9}(?!\d)", path.read_bytes()), path
    hashes = (
        Lake(str(tmp_path / "lake"))
        .read(Partition("wecom", "follow_users", DT))
        .column("remark_mobile_hashes")
        .to_pylist()
    )
    assert any(hashes)


def test_faults_lose_and_duplicate_nothing(wecom_server, small_world, tmp_path):
    clean = land(wecom_server, tmp_path / "clean")
    faulty_server, _ = serve(json.loads(small_world.wecom_state.read_text()), faults=0.1, seed=7)
    try:
        faulty = land(faulty_server, tmp_path / "faulty")
    finally:
        faulty_server.shutdown()
        faulty_server.server_close()
    assert sum(faulty_server.faults_injected.values()) > 0
    assert {e: m.files for e, m in faulty.items()} == {e: m.files for e, m in clean.items()}


def test_rerunning_a_date_gives_identical_partitions(wecom_server, tmp_path):
    first = land(wecom_server, tmp_path / "lake")
    second = land(wecom_server, tmp_path / "lake")
    assert {e: m.files for e, m in first.items()} == {e: m.files for e, m in second.items()}


def test_an_api_failure_leaves_the_previous_snapshot_in_place(small_world, wecom_server, tmp_path):
    before = land(wecom_server, tmp_path / "lake")
    broken, _ = serve(json.loads(small_world.wecom_state.read_text()), faults=1.0)
    try:
        with make_client(broken, attempts=2) as client, pytest.raises(Exception, match="WeCom"):
            land_wecom(client, Lake(str(tmp_path / "lake")), DT, KEY)
    finally:
        broken.shutdown()
        broken.server_close()
    lake = Lake(str(tmp_path / "lake"))
    assert {e: lake.manifest(Partition("wecom", e, DT)).files for e in before} == {
        e: m.files for e, m in before.items()
    }
