"""Configured SQL (a tag definition's condition) parsed with sqlglot and allowed only over named
columns, literals, comparison / arithmetic / boolean operators and a few pure functions.

A condition is configuration, often edited by an operator in a CSV: pasted into SQL as text it could
read files or the process environment (``getenv('SIYU_PII_KEY')``) or another table. Here it is parsed,
every node checked against the allowlist, and regenerated from the tree (names quoted, comments
dropped), so what runs is exactly what was checked. The model that evaluates it also runs it on a
DuckDB connection with external access off (``evaluation_connection``).
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import sqlglot
from sqlglot import exp

from siyu.errors import BadInput

DIALECT = "duckdb"

OPERATORS: tuple[type[exp.Expression], ...] = (
    exp.And,
    exp.Or,
    exp.Not,
    exp.Paren,
    exp.Neg,
    exp.EQ,
    exp.NEQ,
    exp.GT,
    exp.GTE,
    exp.LT,
    exp.LTE,
    exp.NullSafeEQ,
    exp.NullSafeNEQ,
    exp.Is,
    exp.In,
    exp.Between,
    exp.Like,
    exp.ILike,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.Mod,
    exp.DPipe,
    exp.Case,
    exp.If,
    exp.Tuple,
    exp.Literal,
    exp.Boolean,
    exp.Null,
    exp.Column,
    exp.Identifier,
)
FUNCTIONS: tuple[type[exp.Expression], ...] = (
    exp.Lower,
    exp.Upper,
    exp.Trim,
    exp.Length,
    exp.Coalesce,
    exp.Abs,
    exp.Round,
    exp.Nullif,
    exp.Greatest,
    exp.Least,
    exp.StartsWith,
    exp.RegexpLike,
    exp.Year,
    exp.Month,
)
ALLOWED = OPERATORS + FUNCTIONS


class UnsafeSQL(BadInput):
    """A configured condition uses something outside the allowlist (or does not parse)."""


def checked_condition(condition: str, columns: Iterable[str], what: str = "condition") -> str:
    """The condition regenerated from its checked parse tree, ready to paste into a WHERE."""
    allowed_columns = set(columns)
    try:
        trees = sqlglot.parse(condition, dialect=DIALECT)
    except sqlglot.errors.ParseError as error:
        raise UnsafeSQL(f"{what} {condition!r} does not parse: {str(error).splitlines()[0]}") from None
    if len(trees) != 1 or trees[0] is None:
        raise UnsafeSQL(f"{what} {condition!r}: one expression expected, not {len(trees)} statements")
    tree = trees[0]
    for node in tree.walk():
        if not isinstance(node, ALLOWED):
            raise UnsafeSQL(
                f"{what} {condition!r}: {node.sql(dialect=DIALECT)!r} is not allowed "
                f"({type(node).__name__}; allowed: the feature columns, literals, operators "
                f"and {', '.join(sorted(f.key for f in FUNCTIONS))})"
            )
        if isinstance(node, exp.Column) and (node.table or node.name not in allowed_columns):
            raise UnsafeSQL(f"{what} {condition!r}: {node.sql(dialect=DIALECT)} is not a feature column")
    return tree.sql(dialect=DIALECT, identify=True, comments=False)


def tags_query(definitions: Iterable[tuple[str, str, str]], columns: Iterable[str], relation: str) -> str:
    """One query over ``relation``: a row per (customer, tag) whose checked condition holds."""
    columns = list(columns)
    parts = []
    for tag_name, tag_class, condition in definitions:
        where = checked_condition(condition, columns, f"tag {tag_name!r}: condition")
        name, klass = exp.Literal.string(tag_name).sql(), exp.Literal.string(tag_class).sql()
        parts.append(
            f"select customer_id, {name} as tag_name, {klass} as tag_class "
            f"from {relation} where coalesce(({where}), false)"
        )
    if not parts:
        return (
            "select cast(null as varchar) as customer_id, cast(null as varchar) as tag_name, "
            "cast(null as varchar) as tag_class where false"
        )
    return "\nunion all\n".join(parts)


def evaluation_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that cannot touch files, the network or the environment, nor be told to."""
    return duckdb.connect(config={"enable_external_access": False, "lock_configuration": True})
