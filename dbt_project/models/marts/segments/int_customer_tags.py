"""[customer × tag] The tag factory: seeds/tag_definitions.csv (tag_name, tag_class, condition) compiled
into one query over customer_features. Adding a tag is one seed row; a condition is SQL over the
feature columns only.

A Python model because a condition is configuration pasted into SQL: siyu.safe_sql parses each with
sqlglot and allows only the feature columns, literals, operators and a few pure functions (a
condition calling getenv or read_csv fails the build, naming the tag), and the query runs on a DuckDB
connection with external access off, over the features handed to it as Arrow.
"""

import pyarrow as pa

SCHEMA = pa.schema([("customer_id", pa.string()), ("tag_name", pa.string()), ("tag_class", pa.string())])


def model(dbt, session):
    dbt.config(materialized="table")
    from siyu.safe_sql import evaluation_connection, tags_query

    definitions = (
        dbt.ref("tag_definitions")
        .query("d", "select tag_name, tag_class, condition from d order by tag_name")
        .fetchall()
    )
    features = dbt.ref("customer_features").to_arrow_table()
    with evaluation_connection() as con:
        con.register("features", features)
        tags = con.sql(tags_query(definitions, features.column_names, "features")).to_arrow_table()
    return tags.cast(SCHEMA)
