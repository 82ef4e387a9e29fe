"""Pairwise scoring on hand-made clusterings with known answers."""

import pyarrow as pa
import pytest

from siyu.identity.scoring import score


def pred(rows):
    return pa.table(
        {"id_type": [r[0] for r in rows], "id_value": [r[1] for r in rows], "cluster": [r[2] for r in rows]}
    )


def truth(rows):
    return pa.table(
        {"id_type": [r[0] for r in rows], "id_value": [r[1] for r in rows], "person_id": [r[2] for r in rows]}
    )


TRUTH = truth(
    [
        ("u", "a1", "A"),
        ("u", "a2", "A"),
        ("u", "a3", "A"),
        ("u", "b1", "B"),
        ("u", "b2", "B"),
        ("phone", "shared", "A"),
        ("phone", "shared", "B"),
    ]
)


def test_perfect():
    s = score(pred([("u", "a1", 1), ("u", "a2", 1), ("u", "a3", 1), ("u", "b1", 2), ("u", "b2", 2)]), TRUTH)
    assert (s["precision"], s["recall"], s["over_merged_clusters"], s["split_persons"]) == (1, 1, 0, 0)


def test_split_person_lowers_recall_only():
    s = score(pred([("u", "a1", 1), ("u", "a2", 1), ("u", "a3", 9), ("u", "b1", 2), ("u", "b2", 2)]), TRUTH)
    # true pairs: A has 3, B has 1 → 4; found: a1-a2 and b1-b2 → 2
    assert s["precision"] == 1 and s["recall"] == 0.5 and s["split_persons"] == 1


def test_over_merge_lowers_precision_and_shared_phone_is_not_scored():
    s = score(
        pred(
            [
                ("u", "a1", 1),
                ("u", "a2", 1),
                ("u", "a3", 1),
                ("u", "b1", 1),
                ("u", "b2", 1),
                ("phone", "shared", 1),
            ]
        ),
        TRUTH,
    )
    # predicted pairs among 5 points: 10; true pairs: 4
    assert s["precision"] == pytest.approx(0.4) and s["recall"] == 1
    assert s["over_merged_clusters"] == 1 and s["identifiers_scored"] == 5
