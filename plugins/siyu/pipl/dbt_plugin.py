"""dbt-duckdb plugin (profiles.yml ``plugins``): hands the suppression list and its key to every dbt
connection and cursor as DuckDB variables, so the staging macro ``not_suppressed`` can drop erased
people without the key or the list ever appearing in compiled SQL, dbt's logs or run results."""

from __future__ import annotations

from dbt.adapters.duckdb.plugins import BasePlugin

from siyu.pipl import suppression


def _set(conn) -> None:
    hashes = sorted(suppression.load())
    # with nobody erased the macro matches nothing and no key is needed; after an erasure a build
    # without SIYU_SUPPRESSION_KEY fails, naming it
    key = suppression.suppression_key() if hashes else ""
    conn.execute("set variable siyu_suppression_key = ?", [key])
    conn.execute("set variable siyu_suppressed = ?::varchar[]", [hashes])


class Plugin(BasePlugin):
    def configure_connection(self, conn) -> None:
        _set(conn)

    def configure_cursor(self, cursor) -> None:
        _set(cursor)
