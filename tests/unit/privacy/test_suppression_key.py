"""SIYU_SUPPRESSION_KEY has no default: outside the demo, a run that writes or matches the suppression
list without it stops with an error naming the variable; before any erasure nothing needs it."""

from __future__ import annotations

import os

import duckdb
import pyarrow as pa
import pytest

from siyu.config import DEMO_SUPPRESSION_KEY, MissingSuppressionKey, suppression_key_from_env, use_demo_keys


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SIYU_HOME", str(tmp_path))
    monkeypatch.delenv("SIYU_SUPPRESSION_KEY", raising=False)
    return tmp_path


USERS = pa.table({"openid": ["o_gone", "o_kept"], "unionid": ["u_gone", "u_kept"]})


def test_an_erasure_without_the_key_fails_before_writing_the_list(home):
    from siyu.pipl import suppression

    with pytest.raises(MissingSuppressionKey, match="SIYU_SUPPRESSION_KEY"):
        suppression.add(["u_gone"])
    assert not (home / "privacy/suppression.json").exists()


def test_landing_needs_the_key_only_once_someone_is_erased(home, monkeypatch):
    from siyu.lake import Lake, Partition
    from siyu.pipl import suppression

    lake = Lake(str(home / "lake"))
    part = Partition("appdb", "mp_users", "2026-11-24")
    assert lake.write(part, USERS).row_count == 2  # nobody erased: no key needed
    assert suppression.not_erased(["ext_a"]) == {"ext_a"}
    monkeypatch.setenv("SIYU_SUPPRESSION_KEY", "k-suppress")
    suppression.add(["u_gone"])
    assert lake.write(part, USERS).row_count == 1
    monkeypatch.delenv("SIYU_SUPPRESSION_KEY")
    # without the key the list cannot be matched: the landing stops, it never lands the person again
    with pytest.raises(MissingSuppressionKey, match="SIYU_SUPPRESSION_KEY"):
        lake.write(part, USERS)
    with pytest.raises(MissingSuppressionKey):
        suppression.not_erased(["ext_a"])
    assert lake.read(part).column("openid").to_pylist() == ["o_kept"]


def test_dbt_connections_get_the_key_only_when_the_list_holds_someone(home, monkeypatch):
    from siyu.pipl import dbt_plugin, suppression

    with duckdb.connect() as con:
        dbt_plugin._set(con)  # nobody erased: an empty list, an empty key
        assert con.execute("select getvariable('siyu_suppressed')").fetchone()[0] == []
        monkeypatch.setenv("SIYU_SUPPRESSION_KEY", "k-suppress")
        suppression.add(["u_gone"])
        dbt_plugin._set(con)
        assert con.execute("select getvariable('siyu_suppression_key')").fetchone()[0] == "k-suppress"
        monkeypatch.delenv("SIYU_SUPPRESSION_KEY")
        with pytest.raises(MissingSuppressionKey, match="SIYU_SUPPRESSION_KEY"):
            dbt_plugin._set(con)


def test_the_demo_brings_its_own_key_and_an_explicit_one_wins(monkeypatch):
    monkeypatch.delenv("SIYU_SUPPRESSION_KEY", raising=False)
    monkeypatch.delenv("SIYU_PII_KEY", raising=False)
    use_demo_keys()
    assert os.environ["SIYU_SUPPRESSION_KEY"] == DEMO_SUPPRESSION_KEY
    monkeypatch.setenv("SIYU_SUPPRESSION_KEY", "mine")
    use_demo_keys()
    assert suppression_key_from_env() == "mine"
