"""The prediction models' session functions on Spark (issue 22): siyu.predict.clv called from SQL.

dbt-spark runs Python models on Databricks only, so on Spark ``int_customer_prediction_fits`` and
``int_customer_predictions`` are SQL (``models/marts/segments/spark/``): the buyers' summary, the
schedule and the joins in SQL, and what SQL cannot do through these functions, which
``siyu.spark_session`` registers in the session (a Thrift server must register the same ones):

- ``siyu_clv_fit(kind, x, t_x, age, repeat_value)``: an aggregate (a grouped pandas UDF) over one
  fit's buyers, the BG/NBD (and for kind 'full' the Gamma-Gamma) fit of the DuckDB model, as JSON
  (buyers, r, alpha, a, b, p, q, v, status);
- ``siyu_bgnbd_p_alive``, ``siyu_bgnbd_expected_purchases``, ``siyu_gg_expected_order_value``:
  scalar pandas UDFs that score each buyer with the fit's parameters;
- ``siyu_clv_params(r, alpha, a, b, p, q, v)``: the parameters as model_status prints them
  (Python's formatting: Java's rounds some halves the other way).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

S = pd.Series  # pandas UDFs need every parameter's type hint


def fit_json(kind: str, x, t_x, age, repeat_value) -> str:
    """One fit's row (int_customer_prediction_fits' fit_rows), as JSON in the shape of the macro
    siyu_spark_fit_schema (macros/engine/predict.sql)."""
    from siyu.predict.clv import fit_bgnbd, fit_gamma_gamma
    from siyu.predict.schedule import too_few

    x, t_x = np.asarray(x, float), np.asarray(t_x, float)
    age = np.maximum(np.asarray(age, float), 1.0)
    row: dict = {"buyers": len(x), "status": too_few(x)}
    if row["status"] is None:
        bgnbd = fit_bgnbd(x, t_x, age)
        row |= {"r": bgnbd.r, "alpha": bgnbd.alpha, "a": bgnbd.a, "b": bgnbd.b}
        note = bgnbd.fit.note("BG/NBD")
        if kind == "full":
            gamma_gamma = fit_gamma_gamma(x, np.asarray(repeat_value, dtype=float))
            row |= {"p": gamma_gamma.p, "q": gamma_gamma.q, "v": gamma_gamma.v}
            note += gamma_gamma.fit.note("Gamma-Gamma")
        row["status"] = f"fitted{note}"
    return json.dumps({k: (float(v) if isinstance(v, np.floating) else v) for k, v in row.items()})


def _by_params(params: list[pd.Series], score) -> pd.Series:
    """``score(params tuple, row positions)`` for each distinct parameter set of a batch (one fit in
    use: one set), nulls where a parameter is null."""
    out = pd.Series(np.nan, index=params[0].index, dtype=float)
    frame = pd.concat(params, axis=1, keys=range(len(params))).dropna()
    for values, rows in frame.groupby(list(range(len(params)))).groups.items():
        out.loc[rows] = score(values, rows)
    return out


def register(spark) -> None:
    from pyspark.sql.functions import pandas_udf

    # a grouped aggregate: Series in, one value out (pyspark's stubs take no type string: ignored)
    @pandas_udf("string")  # type: ignore[call-overload]
    def clv_fit(kind: pd.Series, x: pd.Series, t_x: pd.Series, age: pd.Series, value: pd.Series) -> str:
        # a kind without buyers comes as one row of nulls (its left join): fitted on none
        buyer = x.notna().to_numpy()
        return fit_json(str(kind.iloc[0]), x[buyer], t_x[buyer], age[buyer], value[buyer])

    @pandas_udf("double")  # type: ignore[call-overload]
    def p_alive(r: S, alpha: S, a: S, b: S, x: S, t_x: S, age: S) -> S:
        from siyu.predict.clv import BgNbd

        def score(params, rows):
            return BgNbd(*params).p_alive(
                x.loc[rows].astype(float), t_x.loc[rows].astype(float), _age(age.loc[rows])
            )

        return _by_params([r, alpha, a, b], score)

    @pandas_udf("double")  # type: ignore[call-overload]
    def expected_purchases(t: S, r: S, alpha: S, a: S, b: S, x: S, t_x: S, age: S) -> S:
        from siyu.predict.clv import BgNbd

        def score(params, rows):
            days, *fit = params
            model = BgNbd(*fit)
            return model.expected_purchases(
                float(days), x.loc[rows].astype(float), t_x.loc[rows].astype(float), _age(age.loc[rows])
            )

        return _by_params([t.astype(float), r, alpha, a, b], score)

    @pandas_udf("double")  # type: ignore[call-overload]
    def order_value(p: S, q: S, v: S, x: S, value: S) -> S:
        from siyu.predict.clv import GammaGamma

        def score(params, rows):
            return GammaGamma(*params).expected_order_value(x.loc[rows], value.loc[rows].astype(float))

        return _by_params([p, q, v], score)

    def params_text(r, alpha, a, b, p, q, v) -> str | None:
        if r is None:
            return None
        return f"r={r:.3f} alpha={alpha:.3f} a={a:.3f} b={b:.3f}; p={p:.3f} q={q:.3f} v={v:.3f}"

    spark.udf.register("siyu_clv_fit", clv_fit)
    spark.udf.register("siyu_bgnbd_p_alive", p_alive)
    spark.udf.register("siyu_bgnbd_expected_purchases", expected_purchases)
    spark.udf.register("siyu_gg_expected_order_value", order_value)
    spark.udf.register("siyu_clv_params", params_text, "string")


def _age(age: pd.Series) -> np.ndarray:
    return np.maximum(age.astype(float).to_numpy(), 1.0)
