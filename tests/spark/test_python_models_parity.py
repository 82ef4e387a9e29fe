"""The Python models' Spark versions (issue 22; models/marts/segments/spark/): SQL calling the session
functions of siyu.spark_predict and siyu.spark_tags, compared with the DuckDB Python models row for
row (floats to 6 digits: siyu_dev.engine_parity) on a small simulated world.

Their inputs (fct_orders and customer_features, marts) are the DuckDB build's, given to Spark as
tables (siyu_dev.engine_given), so both engines fit, score and tag the same rows whatever the marts
upstream do; so is the seed tag_definitions. test_engine_parity.py builds them from the lake up.
Both builds are from scratch (on Spark the fit is redone every run: no stored fit is kept). Slow: two
dbt builds and a JVM. Skipped where Java is absent, unless SIYU_REQUIRE_SERVERS=1 (.ci/run)."""

from __future__ import annotations

import shutil

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from siyu.config import project_root
from siyu_dev.bench_identity import DAY
from siyu_dev.bench_world import land_world
from siyu_dev.engine_given import build_given_in_child
from siyu_dev.engine_parity import build_in_child, compare
from tests.support.requirements import missing

pytestmark = pytest.mark.slow

MODELS = ["int_customer_prediction_fits", "int_customer_predictions", "int_customer_tags"]


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    if shutil.which("java") is None:
        missing("no java on PATH: the Spark build needs a JVM (OpenJDK 17)")
    root = tmp_path_factory.mktemp("python_parity")
    lake = root / "lake"
    land_world(str(lake), people=300, seed=5, lake_days=3)
    duck = build_in_child("duckdb", root / "duckdb", lake, DAY, "+int_customer_tags")
    exported = root / "duckdb" / "export"
    seed = project_root() / "dbt_project" / "seeds" / "tag_definitions.csv"
    text = {c: pa.string() for c in ("tag_name", "tag_class", "condition", "description")}
    definitions = pacsv.read_csv(seed, convert_options=pacsv.ConvertOptions(column_types=text))
    pq.write_table(definitions, root / "tag_definitions.parquet")
    given = {
        "main_marts.fct_orders": exported / "fct_orders.parquet",
        "main_marts.customer_features": exported / "customer_features.parquet",
        "main_marts.tag_definitions": root / "tag_definitions.parquet",
    }
    spark = build_given_in_child(root / "spark", lake, DAY, " ".join(MODELS), given)
    return root, duck, spark


def test_spark_builds_the_python_models_in_sql(builds):
    _, duck, spark = builds
    assert set(MODELS) <= set(duck["models"])
    assert spark["models"] == MODELS


def test_fits_scores_and_tags_equal_duckdbs(builds):
    root, _, _ = builds
    report = compare(root / "duckdb" / "export", root / "spark" / "export", MODELS)
    assert report == {m: {"rows": report[m]["rows"], "only_left": 0, "only_right": 0} for m in MODELS}
    fits = pq.read_table(root / "spark" / "export" / "int_customer_prediction_fits.parquet").to_pylist()
    # not an empty agreement: both kinds fitted, every buyer scored, tags given
    assert {f["kind"] for f in fits if f["r"] is not None} == {"full", "holdout"}
    full = next(f for f in fits if f["kind"] == "full")
    assert report["int_customer_predictions"]["rows"] == full["buyers"] > 20
    scores = pq.read_table(root / "spark" / "export" / "int_customer_predictions.parquet")
    assert scores["p_alive"].null_count == 0
    assert scores["holdout_predicted_purchases"].null_count < len(scores)
    tags = pq.read_table(root / "spark" / "export" / "int_customer_tags.parquet")
    assert len(set(tags["tag_name"].to_pylist())) > 10
