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

DEFAULT_PII_KEY = "siyu-dev-key-not-for-production"


@dataclass(frozen=True)
class Settings:
    home: Path
    lake: str
    warehouse: Path
    published: Path
    tracking_inbox: Path
    appdb_url: str
    pii_key: bytes
    # DuckDB's resources (https://duckdb.org/docs/stable/configuration/overview): without a limit it
    # takes 80 % of the machine's memory; past the limit it spills to the temp directory
    duckdb_memory_limit: str = "50%"
    duckdb_threads: int = 1
    duckdb_temp_dir: Path = Path("data/duckdb_tmp")

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
        pii_key=os.environ.get("SIYU_PII_KEY", DEFAULT_PII_KEY).encode(),
        duckdb_memory_limit=os.environ.get("SIYU_DUCKDB_MEMORY_LIMIT", "50%"),
        duckdb_threads=int(os.environ.get("SIYU_DUCKDB_THREADS", os.cpu_count() or 1)),
        duckdb_temp_dir=Path(os.environ.get("SIYU_DUCKDB_TEMP_DIR", home / "duckdb_tmp")),
    )


def duckdb_config(s: Settings | None = None) -> dict[str, str]:
    """DuckDB's memory limit, threads and spill directory from the settings: for the dbt connection
    (profiles.yml) and the package's own heavy connections (siyu.duck.connect)."""
    s = s or settings()
    return {"memory_limit": s.duckdb_memory_limit, "threads": str(s.duckdb_threads),
            "temp_directory": str(s.duckdb_temp_dir)}


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
