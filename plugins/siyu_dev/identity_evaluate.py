"""`siyu score-identity`: the warehouse's customers against the simulator's ground truth.

Both sides are put in the same terms first: the truth's raw phones are pseudonymised with the
warehouse's key, so they meet the warehouse's phone_hash identifiers. The unionid-only baseline
clusters the same identifiers using only the unionid rules, as a brand without identity resolution
would (every other identifier stays a customer of its own).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from siyu.config import INTERMEDIATE_SCHEMA, MARTS_SCHEMA, settings
from siyu.identity.scoring import score, truth_table

UNIONID_RULES = ("wecom_contact_unionid", "group_member_unionid", "mp_user_unionid")


def warehouse_clusters(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(f"""
        select identifier_type as id_type, identifier as id_value, customer_id as cluster
        from {MARTS_SCHEMA}.customer_identifiers
    """).to_arrow_table()


def _clusters_by_edges(con: duckdb.DuckDBPyConnection, edge_filter: str) -> pa.Table:
    """The warehouse's identifiers, clustered by the edges that pass ``edge_filter`` (SQL over e, t)."""
    con.execute(f"""
        create or replace temp table n as
        select identifier_type, identifier, row_number() over (order by identifier_type, identifier) - 1 as i
        from {MARTS_SCHEMA}.customer_identifiers
    """)
    nodes = con.execute("select identifier_type, identifier, i from n order by i").fetchnumpy()
    links = con.execute(f"""
        select l.i as src, r.i as dst
        from {INTERMEDIATE_SCHEMA}.int_identity__edges e
        join n l on l.identifier_type = e.left_type and l.identifier = e.left_identifier
        join n r on r.identifier_type = e.right_type and r.identifier = e.right_identifier
        where {edge_filter}
    """).fetchnumpy()
    count = len(nodes["i"])
    ones = np.ones(len(links["src"]), np.int8)
    graph = coo_matrix((ones, (links["src"], links["dst"])), shape=(count, count))
    _, labels = connected_components(graph, directed=False)
    return pa.table(
        {"id_type": nodes["identifier_type"], "id_value": nodes["identifier"], "cluster": labels[nodes["i"]]}
    )


def unionid_baseline(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """The same identifiers, linked only by the unionid rules."""
    return _clusters_by_edges(con, f"e.rule in {UNIONID_RULES}")


def evidence_ceiling(con: duckdb.DuckDBPyConnection, truth: pa.Table) -> pa.Table:
    """An oracle that takes every edge of any rule whose two ends truly are one person: the best
    recall the landed evidence allows. A person with no edge between their identifiers cannot be joined."""
    con.register("truth", truth)
    return _clusters_by_edges(
        con,
        """exists (
        select 1 from truth a join truth b using (person_id)
        where a.id_type = e.left_type and a.id_value = e.left_identifier
          and b.id_type = e.right_type and b.id_value = e.right_identifier)""",
    )


def score_identity(warehouse: Path | None = None, truth_path: Path | None = None) -> dict[str, Any]:
    s = settings()
    truth = truth_table(truth_path or s.sim_dir / "truth" / "identifiers.parquet", s.pii_key)
    with duckdb.connect(str(warehouse or s.warehouse), read_only=True) as con:
        resolved = score(warehouse_clusters(con), truth)
        baseline = score(unionid_baseline(con), truth)
        ceiling = score(evidence_ceiling(con, truth), truth)
        quarantined = con.execute(f"select count(*) from {MARTS_SCHEMA}.identity_quarantine").fetchall()[0][0]
        merges = con.execute(
            f"select event, count(*) from {MARTS_SCHEMA}.identity_merges group by 1"
        ).fetchall()
    return {
        **resolved,
        "quarantined_identifiers": quarantined,
        "merge_log": dict(merges),
        "unionid_only_baseline": baseline,
        "recall_gain_points": round(100 * (resolved["recall"] - baseline["recall"]), 2),
        "recall_ceiling_of_landed_evidence": ceiling["recall"],
    }
