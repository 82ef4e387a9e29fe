"""Score identity resolution against the simulator's ground truth, pairwise.

Every identifier known to both sides is a point; the warehouse puts it in a cluster (customer_id),
the truth in a person. Pairwise precision = of the identifier pairs the warehouse put together, the
share that are one person; recall = of the pairs that are one person, the share put together.
Identifiers that the truth gives to several people (a family's shared phone) have no single right
answer and are left out of the pairs; they are what the junk guard is for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from siyu.privacy import phone_hash


def score(predicted: pa.Table, truth: pa.Table) -> dict[str, Any]:
    """predicted: (id_type, id_value, cluster); truth: (id_type, id_value, person_id)."""
    with duckdb.connect() as con:
        con.register("predicted", predicted)
        con.register("truth", truth)
        con.execute("""
            create temp table points as
            with unique_truth as (
                select id_type, id_value, any_value(person_id) as person_id
                from truth group by 1, 2 having count(distinct person_id) = 1
            )
            select p.cluster, t.person_id
            from predicted p join unique_truth t using (id_type, id_value)
        """)
        (tp, predicted_pairs, true_pairs, points, over_merged, split, clusters, persons) = con.execute("""
            with cells as (select cluster, person_id, count(*) n from points group by 1, 2),
                 by_cluster as (select cluster, sum(n) n, count(*) persons from cells group by 1),
                 by_person as (select person_id, sum(n) n, count(*) clusters from cells group by 1)
            select
                (select coalesce(sum(n * (n - 1) / 2), 0) from cells),
                (select coalesce(sum(n * (n - 1) / 2), 0) from by_cluster),
                (select coalesce(sum(n * (n - 1) / 2), 0) from by_person),
                (select count(*) from points),
                (select count(*) from by_cluster where persons > 1),
                (select count(*) from by_person where clusters > 1),
                (select count(*) from by_cluster),
                (select count(*) from by_person)
        """).fetchall()[0]
    precision = tp / predicted_pairs if predicted_pairs else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 5),
        "recall": round(recall, 5),
        "f1": round(f1, 5),
        "identifiers_scored": int(points),
        "clusters": int(clusters),
        "persons": int(persons),
        "over_merged_clusters": int(over_merged),
        "split_persons": int(split),
    }


def truth_table(path: Path, key: bytes) -> pa.Table:
    truth = pq.read_table(path).to_pylist()
    rows = [
        ("phone_hash", phone_hash(r["id_value"], key), r["person_id"])
        if r["id_type"] == "phone"
        else (r["id_type"], r["id_value"], r["person_id"])
        for r in truth
    ]
    rows = [r for r in rows if r[1]]
    return pa.table(
        {"id_type": [r[0] for r in rows], "id_value": [r[1] for r in rows], "person_id": [r[2] for r in rows]}
    )
