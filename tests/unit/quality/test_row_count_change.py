"""A full snapshot that shrinks or grows too much overnight is flagged against the previous partition."""

from __future__ import annotations

import pyarrow as pa

from siyu.contracts import raw_schema
from siyu.lake import Lake, Partition
from siyu.quality.gates import row_count_change, suites_dir

SUITE = suites_dir() / "raw.wecom.external_contacts.json"


def contacts(n: int) -> pa.Table:
    schema = raw_schema("wecom", "external_contacts")
    return pa.Table.from_pylist([{"external_userid": f"wm{i}", "type": 1} for i in range(n)], schema=schema)


def test_a_halved_snapshot_is_flagged_and_a_normal_day_is_not(tmp_path):
    lake = Lake(str(tmp_path))
    for dt, rows in (("2026-01-01", 100), ("2026-01-02", 90), ("2026-01-03", 30)):
        lake.write(Partition("wecom", "external_contacts", dt), contacts(rows))
    assert row_count_change(SUITE, lake, "wecom", "external_contacts", "2026-01-01") is None  # no history
    assert row_count_change(SUITE, lake, "wecom", "external_contacts", "2026-01-02") is None
    flagged = row_count_change(SUITE, lake, "wecom", "external_contacts", "2026-01-03")
    assert flagged.severity == "warning" and flagged.observed_value == round(30 / 90, 3)
    assert flagged.kwargs["previous_dt"] == "2026-01-02" and "row_count_change" in flagged.describe()
