"""The local Spark session dbt-spark's session method uses (``SIYU_ENGINE=spark``).

dbt-spark builds its session with ``getOrCreate()``, so the one started here, before dbt runs and with
the profile's own settings (``dbt_project/profiles.yml``, target ``spark``), is the one every model runs
in. Starting it here lets the suppression list and its key (PIPL erasure) reach SQL as session
variables set from a DataFrame, never as text in compiled SQL or dbt's logs: the Spark form of
``siyu.pipl.dbt_plugin``. ``stop()`` ends the session; the JVM (py4j's gateway) ends with the
process, which is why tests build on Spark in a subprocess.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any

import yaml

from siyu.pipl import suppression

_ENV_VAR = re.compile(r"""\{\{\s*env_var\(\s*'([^']+)'\s*(?:,\s*'([^']*)'\s*)?\)\s*\}\}""")


def spark_conf(profiles_yml: str) -> dict[str, str]:
    """The spark target's server_side_parameters with their env_var(...) calls filled in (the only Jinja
    the target uses), and ANSI mode off as dbt-spark sets it."""
    target = yaml.safe_load(profiles_yml)["siyu"]["outputs"]["spark"]

    def fill(value: Any) -> str:
        def one(m: re.Match) -> str:
            name, default = m.group(1), m.group(2)
            if name not in os.environ and default is None:
                raise KeyError(f"profiles.yml target spark needs env var {name}")
            return os.environ.get(name, default or "")

        return _ENV_VAR.sub(one, str(value))

    conf = {str(k): fill(v) for k, v in target.get("server_side_parameters", {}).items()}
    conf["spark.sql.ansi.enabled"] = "false"
    return conf


def start(profiles_yml: str):
    """The session (created once per process) with the suppression variables declared and set."""
    from pyspark.sql import SparkSession  # heavy: only when building on Spark

    # Python UDFs' workers are this interpreter (siyu importable), not whatever python3 is on PATH
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in spark_conf(profiles_yml).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    hashes = sorted(suppression.load())
    # as on DuckDB (siyu.pipl.dbt_plugin): with nobody erased no key is needed; after an erasure a
    # build without SIYU_SUPPRESSION_KEY fails, naming it
    key = suppression.suppression_key() if hashes else ""
    spark.createDataFrame(
        [(key, hashes)],
        "k string, hashes array<string>",
    ).createOrReplaceTempView("siyu_suppression_input")
    spark.sql("declare or replace variable siyu_suppression_key string")
    spark.sql("declare or replace variable siyu_suppressed array<string>")
    spark.sql("set var siyu_suppression_key = (select k from siyu_suppression_input)")
    spark.sql("set var siyu_suppressed = (select hashes from siyu_suppression_input)")
    spark.catalog.dropTempView("siyu_suppression_input")
    _register_phone_hash(spark)
    # whether a file is there (the privacy inbox's opt-outs): Spark SQL fails on a missing path
    spark.udf.register("siyu_path_exists", lambda path: os.path.exists(path), "boolean")
    # the Python models' SQL versions call these (a Thrift server must register the same ones)
    from siyu import spark_identity, spark_predict, spark_tags

    spark_identity.register(spark)
    spark_predict.register(spark)
    spark_tags.register(spark)
    return spark


def _register_phone_hash(spark) -> None:
    """``siyu_phone_hash(phone)``: siyu.privacy.phone_hash with SIYU_PII_KEY, as a session function
    (int_identity__quarantine pseudonymises the test numbers with it, as the DuckDB Python model does).
    The key stays in this process and its Python workers, never in SQL. Without a key the function
    is not registered, and a model calling it fails naming it."""
    from siyu.config import MissingPiiKey, settings

    try:
        key = settings().pii_key
    except MissingPiiKey:
        return

    def phone_hash(phone: str | None) -> str | None:
        from siyu.privacy import phone_hash as pseudonymised

        return pseudonymised(phone, key) if phone is not None else None

    spark.udf.register("siyu_phone_hash", phone_hash, "string")


def stop() -> None:
    """End the session and its JVM, when one was started in this process."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        active.stop()
