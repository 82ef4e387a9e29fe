"""Run in the reader environment (SQLAlchemy < 2.0.45, duckdb-engine, DuckDB 1.x), not in Siyu's:
what Superset does on "add dataset" and on a chart, for every published table. Prints JSON."""

import json
import sys

from sqlalchemy import create_engine, inspect, text

url = sys.argv[1]
engine = create_engine(url, connect_args={"read_only": True})
inspector = inspect(engine)
out = {"schemas": inspector.get_schema_names(), "tables": {}}
for table in inspector.get_table_names(schema="main") + inspector.get_view_names(schema="main"):
    columns = inspector.get_columns(table, schema="main")
    inspector.get_pk_constraint(table, schema="main")
    inspector.get_foreign_keys(table, schema="main")
    inspector.get_indexes(table, schema="main")
    try:
        comment = inspector.get_table_comment(table, schema="main").get("text")
    except NotImplementedError:
        comment = None
    names = ", ".join(f'"{c["name"]}"' for c in columns)
    with engine.connect() as conn:  # Superset's chart query: selected columns, a limit
        rows = conn.execute(text(f'SELECT {names} FROM main."{table}" LIMIT 1000')).fetchall()
        (count,) = conn.execute(text(f'SELECT COUNT(*) AS count FROM main."{table}"')).one()
    out["tables"][table] = {
        "columns": {c["name"]: {"type": str(c["type"]), "comment": c.get("comment")} for c in columns},
        "comment": comment,
        "rows_read": len(rows),
        "count": count,
    }
print(json.dumps(out, default=str))
