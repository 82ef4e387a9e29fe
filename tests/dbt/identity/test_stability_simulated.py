"""Customer ids day over day on the simulated world, landed one day after another as the daily runs
would land it (WeCom served as of each run, the app DB as it stood, that day's tracking files):
nearly every customer keeps its id, every one that does not is in the merge log, and every merge
joins two customers that truly are one person."""

from __future__ import annotations

import datetime as dt

import pytest

from siyu_dev.bench_stability import bench_stability

pytestmark = pytest.mark.slow


def assert_every_change_explained(result: dict) -> None:
    assert result["changed"] == result["changed_and_logged"], result
    assert result["disappeared"] == result["disappeared_and_absorbed"], result
    assert result["merged"] == result["merges_true"], result  # no false merge absorbed a customer
    # a customer that did not keep its id either was absorbed by a (true) merge, or lost identifiers
    # to the junk guard: there is no third way
    assert result["changed"] == result["merged"] + result["split"], result


def test_a_small_world_d_minus_1_to_d():
    """300 people over 10 days, D-1 then D: the issue's target, >= 99.9 % keep their customer_id.
    At this size one genuine merge would be 0.3 %: this seeded world has none on D (it had two when
    the simulator squeezed late phone authorisations into the window's last second), so any change
    here is a regression; the target on a realistic size is measured by `siyu bench stability`."""
    result = bench_stability(people=300, days=10, seed=7, end=dt.date(2026, 11, 24), span=2)
    assert result["days_compared"] == 1
    day = result["last_day"]
    assert day["customers_before"] > 250 and day["new_customers"] > 0
    assert result["kept_share"] >= 0.999, result
    assert_every_change_explained(result)


def test_customers_keep_their_id_when_the_next_days_arrive():
    result = bench_stability(people=600, days=30, seed=11, end=dt.date(2026, 6, 30), span=3)
    assert result["days_compared"] == 2
    assert all(day["customers_before"] > 500 and day["new_customers"] > 0 for day in result["per_day"])
    # At this size one genuine merge is 0.07 %: the 99.9 % target is measured on the default world by
    # `siyu bench stability`; here, no unexplained change and at most a few merges.
    assert result["kept_share"] >= 0.998, result
    assert_every_change_explained(result)
