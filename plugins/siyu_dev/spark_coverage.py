"""Which models build on Spark yet (issue 22), for ``siyu demo --engine spark``.

``ON_SPARK`` is the dbt selection that builds on Spark and equals the DuckDB build row for row:
tests/spark/test_engine_parity.py builds and compares exactly this selection, so widening it widens the
proof. The models the warehouse build holds beyond it are what a Spark demo cannot build yet: the demo
refuses to start, naming them, rather than fail an hour later in the marts (``missing_on_spark``).
"""

from __future__ import annotations

ON_SPARK = (
    "path:seeds",
    "path:models/staging",
    "+int_identity__graph",
    "+int_identity__merge_events",
    # the marts and their parents
    "+identity_merges",
    "+identity_evidence",
    "+identity_quarantine",
    "+identity_review",
    "+events_awaiting_identity",
    "+customer_contacts",
    "+data_quarantine",
    "+staff_daily",
    "+dim_customers",
    "+customer_consent",
    "+customer_rfm",
    "+customer_aipl",
    "+aipl_daily",
    "+aipl_transitions",
    "+customer_lifecycle",
    "+lifecycle_transitions",
    "+cohort_retention",
    "+referral_trees",
    "+referral_fission_monthly",
    "+recommender_ranking",
    "+co_creators",
    # the predictions and the tags (the Python models' SQL versions: models/marts/segments/spark/), the
    # features and the marts on them
    "+prediction_validation",
    "+customer_tags",
    "+community_members",
    "+funnel_daily",
)


def model_names(select: str | None, exclude: str | None = None) -> set[str]:
    """``dbt ls`` of the models on the Spark target (parsing only: no Spark session starts)."""
    from dbt.cli.main import dbtRunner

    from siyu.config import DEMO_DATE
    from siyu.warehouse import dbt_args, dbt_env, environ

    with environ({**dbt_env(), "SIYU_ENGINE": "spark", "SIYU_SPARK_TARGET": "spark"}):
        args = dbt_args("ls", DEMO_DATE.isoformat(), select, exclude=exclude)
        result = dbtRunner().invoke([*args, "--resource-type", "model", "--output", "name", "--quiet"])
    if not result.success:
        raise RuntimeError(f"dbt ls on the spark target failed: {result.exception}")
    return {line.strip() for line in result.result or [] if line.strip()}  # type: ignore[union-attr]


def missing_on_spark() -> list[str]:
    """The warehouse's models (every layer the DAG builds) not yet in ``ON_SPARK``, sorted."""
    return sorted(model_names(None) - model_names(" ".join(ON_SPARK)))
