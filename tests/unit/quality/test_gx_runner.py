"""The GX runner and gate on small frames, with the real suites from expectations/."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from siyu.config import project_root
from siyu.quality.runner import QualityGateError, gate, load_suite, run_suite

SUITES = project_root() / "expectations"
CONTACTS = SUITES / "raw.wecom.external_contacts.json"
CUSTOMERS = SUITES / "marts.dim_customers.json"


def contacts(**overrides) -> pd.DataFrame:
    base = {
        "external_userid": ["wmA0000000000000001", "wmA0000000000000002", "wmA0000000000000003"],
        "type": [1, 1, 2],
        "gender": [0, 1, 2],
        "unionid": ["oUnion00000000000000000001", "oUnion00000000000000000002", None],
        "corp_name": [None, None, "某公司"],
    }
    return pd.DataFrame({**base, **overrides})


def test_every_suite_is_valid_and_has_severities():
    for path in SUITES.glob("*.json"):
        suite = load_suite(path)
        assert suite["name"] == path.stem
        assert json.loads(path.read_text())["expectations"]


def test_passing_frame_passes():
    result = run_suite(CONTACTS, contacts())
    assert result.success and not result.critical_failures and not result.warnings
    assert result.evaluated == 7 and result.rows == 3
    gate(result)  # does not raise


def test_null_and_duplicate_ids_fail_the_critical_gate():
    bad = contacts(external_userid=["wmA0000000000000001", "wmA0000000000000001", None])
    result = run_suite(CONTACTS, bad)
    assert not result.success
    failed = {f.expectation for f in result.critical_failures}
    assert failed == {"expect_column_values_to_not_be_null", "expect_column_values_to_be_unique"}
    unique = next(f for f in result.critical_failures if f.expectation == "expect_column_values_to_be_unique")
    assert unique.kwargs == {"column": "external_userid"}
    assert unique.sample == ["wmA0000000000000001", "wmA0000000000000001"]
    with pytest.raises(QualityGateError) as err:
        gate([result])
    message = str(err.value)
    assert "raw.wecom.external_contacts" in message
    assert "expect_column_values_to_be_unique(external_userid)" in message
    assert "wmA0000000000000001" in message


def test_warning_only_failure_does_not_raise():
    result = run_suite(CONTACTS, contacts(gender=[0, 1, 9], unionid=["short", None, None]))
    assert result.success and not result.critical_failures
    warned = {(f.expectation, f.kwargs["column"]) for f in result.warnings}
    assert warned == {
        ("expect_column_values_to_be_in_set", "gender"),
        ("expect_column_values_to_match_regex", "unionid"),
        ("expect_column_values_to_not_be_null", "unionid"),
    }
    assert next(f for f in result.warnings if f.kwargs["column"] == "gender").sample == [9]
    gate(result)
    json.loads(result.to_json())  # serialisable for the run summary


def test_missing_column_is_a_critical_failure():
    result = run_suite(CONTACTS, contacts().drop(columns=["external_userid"]))
    assert not result.success
    assert any(f.error for f in result.critical_failures)


def test_marts_suite_on_a_customer_frame():
    good = pd.DataFrame({
        "customer_id": ["c_0123456789abcdef", "c_fedcba9876543210"],
        "identifiers_count": [2, 1], "unionid_count": [1, 0], "external_userid_count": [1, 0],
        "mp_openid_count": [0, 1], "orders_count": [0, 3], "total_paid": [0.0, 99.5],
    })  # fmt: skip
    assert run_suite(CUSTOMERS, good).success
    empty = run_suite(CUSTOMERS, good.iloc[0:0])
    assert "expect_table_row_count_to_be_between" in {f.expectation for f in empty.critical_failures}
