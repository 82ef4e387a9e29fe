"""Settings from the environment, in one place.

Secrets (WeCom corp secret, app DB URL) come from Airflow connections in production; for local runs
the same values can be given as ``AIRFLOW_CONN_SIYU_WECOM`` / ``AIRFLOW_CONN_SIYU_APPDB`` URIs, which
Airflow itself reads, or as the plain ``SIYU_*`` variables below.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from siyu.errors import BadInput, RunError

# The simulated world's keys: only `siyu demo` and the commands run on the simulated world set them
# (siyu.config.use_demo_keys). Anything else needs SIYU_PII_KEY and SIYU_SUPPRESSION_KEY: there is
# no default key.
DEMO_PII_KEY = "siyu-demo-key-simulated-world-only"
DEMO_SUPPRESSION_KEY = "siyu-dev-suppression-key"


class MissingPiiKey(RunError):
    """SIYU_PII_KEY is unset (there is no default key)."""


class MissingSuppressionKey(RunError):
    """SIYU_SUPPRESSION_KEY is unset where the suppression list is written or matched."""


def _required_key(name: str, error: type[RunError], what: str) -> str:
    """A secret from the environment; a clear error naming it when unset or empty (no fallback)."""
    value = os.environ.get(name, "")
    if not value.strip():
        raise error(
            f"{name} is not set: it is {what}, and Siyu has no default. Set it to a long random secret "
            "(e.g. `openssl rand -hex 32`), the same on every machine that lands or builds; only the "
            "demo uses a key of its own."
        )
    return value


def pii_key_from_env() -> bytes:
    """SIYU_PII_KEY as bytes; a clear error when it is unset or empty (never a fallback key)."""
    what = "the HMAC key that pseudonymises phone numbers"
    return _required_key("SIYU_PII_KEY", MissingPiiKey, what).encode()


def suppression_key_from_env() -> str:
    """SIYU_SUPPRESSION_KEY; a clear error when it is unset or empty. Needed only where the
    suppression list is written or matched (an erasure, and every landing and build once someone
    is erased): with no default, a run without it cannot silently let an erased person back in."""
    what = (
        "the key of the erasure suppression list (keyed hashes of erased people's identifiers; another "
        "secret than SIYU_PII_KEY, never changed, or the list no longer matches whom it keeps out)"
    )
    return _required_key("SIYU_SUPPRESSION_KEY", MissingSuppressionKey, what)


def use_demo_keys() -> None:
    """The demo's keys, for runs on the simulated world; an explicit SIYU_PII_KEY or
    SIYU_SUPPRESSION_KEY still wins."""
    os.environ.setdefault("SIYU_PII_KEY", DEMO_PII_KEY)
    os.environ.setdefault("SIYU_SUPPRESSION_KEY", DEMO_SUPPRESSION_KEY)


@dataclass(frozen=True)
class Settings:
    home: Path
    lake: str
    warehouse: Path
    published: Path
    tracking_inbox: Path
    appdb_url: str
    # DuckDB's resources (https://duckdb.org/docs/stable/configuration/overview): without a limit it
    # takes 80 % of the machine's memory; past the limit it spills to the temp directory
    duckdb_memory_limit: str = "50%"
    duckdb_threads: int = 1
    duckdb_temp_dir: Path = Path("data/duckdb_tmp")
    # The warehouse engine (SIYU_ENGINE): "duckdb" (the default, one file) or "spark" (dbt-spark,
    # profiles.yml target `spark`); ENGINE_TARGETS names each one's dbt target.
    engine: str = "duckdb"

    @property
    def pii_key(self) -> bytes:
        """Read when needed, so a task that pseudonymises nothing runs without it."""
        return pii_key_from_env()

    @property
    def sim_dir(self) -> Path:
        return self.home / "sim"

    @property
    def state_dir(self) -> Path:
        """Watermarks, processed-file ledgers: small state that must survive between runs."""
        return self.home / "state"


def settings() -> Settings:
    home = Path(os.environ.get("SIYU_HOME", "data")).resolve()
    return Settings(
        home=home,
        lake=os.environ.get("SIYU_LAKE", str(home / "lake")),
        warehouse=Path(os.environ.get("SIYU_WAREHOUSE", home / "warehouse" / "siyu.duckdb")),
        published=Path(os.environ.get("SIYU_PUBLISHED", home / "published" / "siyu.duckdb")),
        tracking_inbox=Path(os.environ.get("SIYU_TRACKING_INBOX", home / "sim" / "tracking_inbox")),
        appdb_url=os.environ.get("SIYU_APPDB_URL", f"sqlite:///{home / 'sim' / 'appdb.sqlite'}"),
        duckdb_memory_limit=os.environ.get("SIYU_DUCKDB_MEMORY_LIMIT", "50%"),
        duckdb_threads=int(os.environ.get("SIYU_DUCKDB_THREADS", os.cpu_count() or 1)),
        duckdb_temp_dir=Path(os.environ.get("SIYU_DUCKDB_TEMP_DIR", home / "duckdb_tmp")),
        engine=engine_from_env(),
    )


ENGINE_TARGETS = {"duckdb": "dev", "spark": "spark"}
# Spark's targets in profiles.yml: the local session (default) or a Thrift server (SIYU_SPARK_TARGET,
# set by docker-compose.yaml, whose `spark` profile runs one)
SPARK_TARGETS = ("spark", "spark_thrift")


def dbt_target(engine: str) -> str:
    """The profiles.yml target a build on ``engine`` uses."""
    if engine != "spark":
        return ENGINE_TARGETS[engine]
    target = os.environ.get("SIYU_SPARK_TARGET", ENGINE_TARGETS["spark"])
    if target not in SPARK_TARGETS:
        raise BadInput(f"SIYU_SPARK_TARGET={target!r}: expected one of {list(SPARK_TARGETS)}")
    return target


def engine_from_env() -> str:
    engine = os.environ.get("SIYU_ENGINE", "duckdb").strip().lower()
    if engine not in ENGINE_TARGETS:
        raise BadInput(f"SIYU_ENGINE={engine!r}: expected one of {sorted(ENGINE_TARGETS)}")
    return engine


def duckdb_config(s: Settings | None = None) -> dict[str, str]:
    """DuckDB's memory limit, threads and spill directory from the settings: for the dbt connection
    (profiles.yml) and the package's own heavy connections (siyu.duck.connect)."""
    s = s or settings()
    return {
        "memory_limit": s.duckdb_memory_limit,
        "threads": str(s.duckdb_threads),
        "temp_directory": str(s.duckdb_temp_dir),
    }


def project_root() -> Path:
    """The checkout: plugins/siyu/config.py → repo root (dbt_project/, expectations/ live there)."""
    env = os.environ.get("SIYU_PROJECT_ROOT")
    return Path(env).resolve() if env else Path(__file__).resolve().parents[2]


# Names the code shares with dbt and Airflow, defined once here and read from here.
# The warehouse's schemas as dbt names them: the profile's `main` plus each model folder's +schema.
MARTS_SCHEMA = "main_marts"
INTERMEDIATE_SCHEMA = "main_intermediate"
# Airflow connections (production secrets; locally AIRFLOW_CONN_<ID> URIs or the SIYU_* variables).
WECOM_CONN_ID = "siyu_wecom"
APPDB_CONN_ID = "siyu_appdb"
ALERTS_CONN_ID = "siyu_alerts"
# The demo's last simulated China day: `siyu demo`/`siyu dag` default, the identity bench's daily run.
DEMO_DATE = date(2026, 11, 24)
