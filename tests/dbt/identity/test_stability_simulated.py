"""Customer ids day over day on the simulated world, landed one day after another as the daily runs
would land it (WeCom served as of each run, the app DB as it stood, that day's tracking files):
nearly every customer keeps its id, every one that does not is in the merge log, and every merge
joins two customers that truly are one person."""

from __future__ import annotations

import datetime as dt

import pytest

from siyu.identity.stability import bench_stability

pytestmark = pytest.mark.slow


def assert_every_change_explained(result: dict) -> None:
    assert result["changed"] == result["changed_and_logged"], result
    assert result["disappeared"] == result["disappeared_and_absorbed"], result
    assert result["merged"] == result["merges_true"], result  # no false merge absorbed a customer
    # a customer that did not keep its id either was absorbed by a (true) merge, or lost identifiers
    # to the junk guard: there is no third way
    assert result["changed"] == result["merged"] + result["split"], result


def test_a_small_world_d_minus_1_to_d():
    """300 people over 10 days, D-1 then D. A 10-day world is young: a tenth of its customers arrive
    each day, and the day's new evidence genuinely merges a customer or two (0.3 % each at this size).
    So: no customer changes its id except by a logged, true merge, and those stay rare."""
    result = bench_stability(people=300, days=10, seed=7, end=dt.date(2026, 11, 24), span=2)
    assert result["days_compared"] == 1
    day = result["last_day"]
    assert day["customers_before"] > 250 and day["new_customers"] > 0
    assert_every_change_explained(result)
    # kept, or absorbed by a merge the ground truth confirms
    assert (result["kept"] + result["merges_true"]) / result["customers_before"] >= 0.999, result
    assert result["kept_share"] >= 0.99, result


def test_customers_keep_their_id_when_the_next_days_arrive():
    result = bench_stability(people=600, days=30, seed=11, end=dt.date(2026, 6, 30), span=3)
    assert result["days_compared"] == 2
    assert all(day["customers_before"] > 500 and day["new_customers"] > 0 for day in result["per_day"])
    # At this size one genuine merge is 0.07 %: the 99.9 % target is measured on the default world by
    # `siyu bench stability`; here, no unexplained change and at most a few merges.
    assert result["kept_share"] >= 0.998, result
    assert_every_change_explained(result)
