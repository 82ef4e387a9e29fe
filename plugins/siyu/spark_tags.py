"""The tag factory's session function on Spark (issue 22): siyu.safe_sql's checked query in Spark SQL.

``siyu_tags_query(definitions, columns)``: the definitions (tag_name, tag_class, condition) of
seeds/tag_definitions.csv, each condition parsed with sqlglot and allowed only over the feature
columns (siyu.safe_sql, as the DuckDB model), regenerated from its checked tree and transpiled to
Spark SQL: one query over the relation ``features``. The SQL model
(models/marts/segments/spark/int_customer_tags.sql) asks it through run_query and runs what it
returns; a condition outside the allowlist fails that query, naming the tag. What Spark lacks is the
DuckDB model's second guard (a connection with external access off): the allowlist is the guard.
"""

from __future__ import annotations

from collections.abc import Iterable

RELATION = "features"


def spark_tags_query(definitions: Iterable[tuple[str, str, str]], columns: Iterable[str]) -> str:
    import sqlglot

    from siyu.safe_sql import DIALECT, tags_query

    ordered = sorted((str(n), str(k), str(c)) for n, k, c in definitions)
    return sqlglot.transpile(tags_query(ordered, list(columns), RELATION), read=DIALECT, write="spark")[0]


def register(spark) -> None:
    def query(definitions, columns) -> str:
        rows = [(d["tag_name"], d["tag_class"], d["condition"]) for d in definitions or []]
        return spark_tags_query(rows, columns or [])

    spark.udf.register("siyu_tags_query", query, "string")
