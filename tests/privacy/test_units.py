"""The erasure and access pieces on their own: requests, suppression (landing and dbt's macro),
row scrubbing, file scrubbing."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SIYU_HOME", str(tmp_path))
    monkeypatch.setenv("SIYU_SUPPRESSION_KEY", "test-suppression-key")
    return tmp_path


def test_a_phone_request_is_pseudonymised_as_it_is_filed(home):
    from siyu.config import settings
    from siyu.pipl import requests
    from siyu.privacy import phone_hash

    request = requests.file_request("erase", "phone", "+86 138-0013-8000")
    stored = (home / "privacy/requests" / f"{request['id']}.json").read_text()
    assert "13800138000" not in stored and "138-0013" not in stored
    assert json.loads(stored)["value"] == phone_hash("13800138000", settings().pii_key)
    assert json.loads(stored)["identifier_type"] == "phone_hash"
    assert [r["id"] for r in requests.pending()] == [request["id"]]
    with pytest.raises(requests.RequestError, match="identifier type"):
        requests.file_request("erase", "email", "a@b.c")
    with pytest.raises(requests.RequestError, match="mobile"):
        requests.file_request("export", "phone", "12345")
    with pytest.raises(requests.RequestError, match="no request"):
        requests.get("pr-nope")


def test_landing_drops_a_suppressed_person_and_nulls_references_to_them(home):
    from siyu.lake import Lake, Partition
    from siyu.pipl import suppression

    users = pa.table(
        {
            "openid": ["o_gone", "o_kept", "o_kept2"],
            "unionid": ["u_gone", None, "u_k"],
            "inviter_openid": [None, "o_gone", "o_kept"],
            "props": ['{"x": 1}', '{"sharer":"o_gone"}', None],
        }
    )
    lake = Lake(str(home / "lake"))
    part = Partition("appdb", "mp_users", "2026-11-24")
    assert lake.write(part, users).row_count == 3  # nobody erased yet: as it is
    assert suppression.add(["u_gone"]) == 1
    lake.write(part, users)
    landed = lake.read(part).to_pylist()
    assert [r["openid"] for r in landed] == ["o_kept", "o_kept2"]
    # o_gone is not in the list itself, only their unionid: their row goes by it; the reference stays
    assert landed[0]["inviter_openid"] == "o_gone"
    suppression.add(["o_gone"])
    lake.write(part, users)
    kept = lake.read(part).to_pylist()
    assert (
        kept[0]["inviter_openid"] is None
        and kept[0]["props"] is None
        and kept[1]["inviter_openid"] == "o_kept"
    )
    assert "u_gone" not in (home / "privacy/suppression.json").read_text()  # keyed hashes only


def test_the_staging_macro_computes_the_same_keyed_hash(home):
    """sha256(key, 0x1f, value) in DuckDB, as the plugin hands the list and key to dbt's connection."""
    from siyu.pipl import dbt_plugin, suppression

    suppression.add(["o_gone"])
    macro = (ROOT / "dbt_project/macros/suppression.sql").read_text()
    assert "getvariable('siyu_suppression_key')" in macro and "test-suppression-key" not in macro
    con = duckdb.connect()
    dbt_plugin._set(con)
    expr = (
        "coalesce(list_contains(getvariable('siyu_suppressed'), "
        "sha256(getvariable('siyu_suppression_key') || chr(31) || openid)), false)"
    )
    rows = con.execute(
        f"select openid, {expr} from (values ('o_gone'), ('o_kept'), (null)) t(openid) "
        "order by openid nulls last"
    ).fetchall()
    assert rows == [("o_gone", True), ("o_kept", False), (None, False)]


def test_scrub_keeps_other_customers_rows(home):
    from siyu.pipl.rows import scrub

    follows = pa.table(
        {
            "external_userid": ["wm_gone", "wm_kept"],
            "userid": ["staff1", "staff1"],
            "remark_mobile_hashes": [["h_gone"], ["h_gone", "h_other"]],
            "detail": ['{"id": "wm_gone/x"}', "nothing"],
        }
    )
    done = scrub(follows, lambda _c, v: v in {"wm_gone", "h_gone"})
    assert done.rows_removed == 1 and done.table["external_userid"].to_pylist() == ["wm_kept"]
    assert done.table["remark_mobile_hashes"].to_pylist() == [None]  # a staff-noted phone: nulled
    assert scrub(pa.table({"a": pa.array([], pa.string())}), lambda c, v: True).rows_removed == 0


def test_files_are_scrubbed_by_kind(tmp_path):
    from siyu.pipl.files import scrub_file, scrub_tree

    (tmp_path / "a.csv").write_text("customer_id,x\nc_gone,1\nc_kept,2\n")
    (tmp_path / "a.json").write_text(json.dumps({"staff1": ["wm_gone", "wm_kept"], "note": "was c_gone"}))
    pq.write_table(pa.table({"customer_id": ["c_gone", "c_kept"]}), tmp_path / "a.parquet")
    con = sqlite3.connect(tmp_path / "airflow.db")
    con.execute("create table xcom (value blob)")
    con.execute("insert into xcom values (?)", [b'{"who": "wm_gone"}'])
    con.commit()
    con.close()
    removed = scrub_tree(tmp_path, {"c_gone", "wm_gone"})
    assert removed == {"a.csv": 1, "a.json": 1, "a.parquet": 1, "airflow.db": 1}
    assert (tmp_path / "a.csv").read_text() == "customer_id,x\nc_kept,2\n"
    assert json.loads((tmp_path / "a.json").read_text()) == {"staff1": ["wm_kept"], "note": "was [erased]"}
    assert pq.read_table(tmp_path / "a.parquet")["customer_id"].to_pylist() == ["c_kept"]
    assert b"wm_gone" not in (tmp_path / "airflow.db").read_bytes()
    assert scrub_file(tmp_path / "a.csv", {"c_gone"}) == 0


def test_the_privacy_dag_writes_the_warehouse_alone(airflow_env_vars):
    from airflow.dag_processing.dagbag import DagBag

    dagbag = DagBag(dag_folder=str(ROOT / "dags" / "siyu_privacy.py"))
    assert dagbag.import_errors == {}
    task = dagbag.get_dag("siyu_privacy").get_task("carry_out_pending")
    assert (task.pool, task.queue) == ("siyu_duckdb", "siyu_local")


def test_tag_sync_skips_an_erased_contact(home, tmp_path_factory):
    """WeCom still holds the erased contact: tag sync neither tags nor untags them (not managed)."""
    from siyu.exports.sync import sync_tags
    from siyu.pipl import suppression
    from siyu_dev.simulator.wecom_server import serve
    from siyu_dev.simulator.world import build_world, write_world
    from tests.support.exports import client_for, published_db

    folder = tmp_path_factory.mktemp("world")
    write_world(
        build_world(people=120, days=20, seed=3, end=__import__("datetime").date(2026, 11, 24)),
        folder,
        f"sqlite:///{folder / 'appdb.sqlite'}",
    )
    corp = json.loads((folder / "wecom_state.json").read_text())
    relations = [
        (f["userid"], c["external_contact"]["external_userid"])
        for c in corp["contacts"]
        for f in c["follow_user"]
    ][:10]
    erased = relations[0][1]
    db = home / "siyu.duckdb"
    published_db(
        db,
        [(f"c_{ext}", ext, staff) for staff, ext in relations],
        [(f"c_{ext}", "high_value") for _, ext in relations],
    )
    server, _ = serve(corp)
    try:
        with client_for(server) as client:
            before = sync_tags(client, db, dry_run=True)
        suppression.add([erased])
        with client_for(server) as client:
            after = sync_tags(client, db)
        assert after["skipped_erased"] == sum(
            ext == erased
            for _, ext in [
                (f["userid"], c["external_contact"]["external_userid"])
                for c in corp["contacts"]
                for f in c["follow_user"]
            ]
        )
        assert after["planned"] == before["planned"] - sum(ext == erased for _, ext in relations)
    finally:
        server.shutdown()


def _published(home: Path) -> Path:
    path = home / "published" / "siyu.duckdb"
    path.parent.mkdir(parents=True)
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create table customer_identifiers as select * from (values "
            "('unionid', 'u1', 'c1', 'unionid'), ('mp_openid', 'o1', 'c1', 'unionid'), "
            "('external_userid', 'wm1', 'c1', 'unionid'), ('unionid', 'u2', 'c2', 'unionid')) "
            "t(identifier_type, identifier, customer_id, matched_by)"
        )
        con.execute("alter table customer_identifiers add column first_seen_at timestamptz")
        con.execute("alter table customer_identifiers add column last_seen_at timestamptz")
        con.execute(
            "create table dim_customers as select * from (values ('c1', 2), ('c2', 0)) "
            "t(customer_id, orders_count)"
        )
        con.execute(
            "create table fct_orders as select * from (values ('ord1', 'c1', 12.5), ('ord2', 'c2', 1.0)) "
            "t(order_id, customer_id, amount)"
        )
        con.execute(
            "create table customer_contacts as select * from "
            "(values ('c1', 'wm1', 's1'), ('c1', 'wm1', 's2')) "
            "t(customer_id, external_userid, staff_userid)"
        )
    return path


def test_export_and_opt_out_requests_through_the_runner(home):
    import csv

    import pyarrow.parquet as pq

    from siyu.pipl import requests
    from siyu.pipl.runner import carry_out_pending

    _published(home)
    export = requests.file_request("export", "external_userid", "wm1")
    opt_out = requests.file_request("opt-out", "mp_openid", "o1")
    assert carry_out_pending() == {export["id"]: "done", opt_out["id"]: "done"}
    bundle = home / "privacy/access" / export["id"]
    person = json.loads((bundle / "person.json").read_text())
    assert {r["identifier"] for r in person["sections"]["identifiers"]} == {"u1", "o1", "wm1"}
    assert [r["order_id"] for r in person["sections"]["orders"]] == ["ord1"]
    assert {r["staff_userid"] for r in person["sections"]["contacts_with_staff"]} == {"s1", "s2"}
    with (bundle / "orders.csv").open(encoding="utf-8-sig") as fh:
        assert [row["order_id"] for row in csv.DictReader(fh)] == ["ord1"]
    assert "u2" not in (bundle / "person.json").read_text()
    opt_outs = pq.read_table(home / "privacy/privacy_opt_outs.parquet").to_pylist()
    assert {r["identifier"] for r in opt_outs} == {"u1", "o1", "wm1", "c1"} and {
        r["customer_id"] for r in opt_outs
    } == {"c1"}
    assert requests.get(opt_out["id"])["status"] == "done" and not requests.pending()
