"""Bodies of the Airflow tasks. DAG files call these and nothing else; each is idempotent per date."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from siyu.config import APPDB_CONN_ID, WECOM_CONN_ID, settings
from siyu.lake import Lake, Manifest

log = logging.getLogger(__name__)


LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


@dataclass(frozen=True)
class WeComEndpoint:
    base_url: str
    corpid: str
    secret: str
    # calls per second by API path, over the client's defaults: a corp with a raised quota, or the
    # local simulator, which has none
    rates: dict[str, float] = field(default_factory=dict)
    # snapshot options from the connection's extra: contact_ways_since (ISO date), keep_qr_code
    options: dict = field(default_factory=dict)

    def client(self):
        """Every call counts against the corp's per-API minute and hour budgets, kept across runs
        in a ledger under SIYU_HOME/state (siyu.sources.wecom.budget)."""
        from siyu.sources.wecom.budget import CallLedger, ledger_path
        from siyu.sources.wecom.client import WeComClient

        ledger = CallLedger(ledger_path(settings().state_dir, self.corpid))
        return WeComClient(self.base_url, self.corpid, self.secret, rates=self.rates, ledger=ledger)

    @property
    def live(self) -> bool:
        """A real corp (not the simulator on loopback): its snapshot APIs answer about now only."""
        return urlsplit(self.base_url).hostname not in LOOPBACK


def wecom_endpoint(conn_id: str = WECOM_CONN_ID) -> WeComEndpoint:
    """The WeCom API from the Airflow connection: host (+port), corpid as login, secret as password,
    and optionally extra ``{"rates": {"<api path>": calls per second}, "contact_ways_since":
    "2021-07-10", "keep_qr_code": false}``.

    ``https://wwcorpid:secret@qyapi.weixin.qq.com`` is the real API; the demo points it at the simulator.
    """
    from airflow.sdk import Connection

    conn = Connection.get(conn_id)
    scheme = conn.conn_type if conn.conn_type in ("http", "https") else "https"
    host = conn.host or "qyapi.weixin.qq.com"
    if "://" in host:  # a host given as a full URL
        parts = urlsplit(host)
        scheme, host = parts.scheme, parts.netloc
    port = f":{conn.port}" if conn.port else ""
    extra = conn.extra_dejson
    rates = {path: float(rate) for path, rate in (extra.get("rates") or {}).items()}
    options = {k: extra[k] for k in ("contact_ways_since", "keep_qr_code") if k in extra}
    return WeComEndpoint(f"{scheme}://{host}{port}", conn.login or "", conn.password or "", rates, options)


IDCONVERT_CONN = "siyu_wecom_idconvert"


def wecom_idconvert_endpoint() -> WeComEndpoint:
    """The ID conversion takes only a third-party or 代开发 app's token (document/path/97108): its own
    connection, ``siyu_wecom_idconvert``. Without it the corp's ``siyu_wecom`` is used, which suits the
    simulator; a real corp's self-built app then gets 48002, and the task says to set the connection."""
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return wecom_endpoint(IDCONVERT_CONN)
    except AirflowNotFoundException:
        log.warning("no connection %s: the ID conversion uses siyu_wecom", IDCONVERT_CONN)
        return wecom_endpoint()


def land_wecom(dt: str, endpoint: WeComEndpoint | None = None) -> dict[str, Manifest]:
    import datetime

    from siyu.sources.wecom.extract import land_wecom as land_snapshot

    s = settings()
    ep = endpoint or wecom_endpoint()
    options = dict(ep.options)
    if "contact_ways_since" in options:
        options["contact_ways_since"] = datetime.date.fromisoformat(options["contact_ways_since"])
    with ep.client() as client:
        return land_snapshot(client, Lake(s.lake), dt, s.pii_key, live=ep.live, **options)


def land_unionid_links(dt: str, endpoint: WeComEndpoint | None = None) -> Manifest:
    """WeCom's ID conversion of the mini-program users landed so far (after appdb.mp_users and
    wecom.external_contacts of dt), through the 代开发 app's connection."""
    from siyu.sources.wecom.idconvert import land_unionid_links as land

    s = settings()
    ep = endpoint or wecom_idconvert_endpoint()
    with ep.client() as client:
        return land(client, Lake(s.lake), dt)


def land_appdb(entity: str, dt: str, appdb_url: str | None = None) -> Manifest:
    from sqlalchemy import create_engine

    from siyu.sources.appdb.extract import land_entity

    s = settings()
    url = appdb_url or appdb_url_from_airflow() or s.appdb_url
    engine = create_engine(url)
    try:
        return land_entity(engine, Lake(s.lake), entity, dt, s.pii_key)
    finally:
        engine.dispose()


def land_tracking(dt: str) -> dict[str, Manifest]:
    from siyu.sources.tracking.extract import Ledger, land_events

    s = settings()
    return land_events(s.tracking_inbox, Lake(s.lake), Ledger(s.state_dir / "tracking_ledger"), dt)


def appdb_url_from_airflow(conn_id: str = APPDB_CONN_ID) -> str | None:
    """The app DB's SQLAlchemy URL from the Airflow connection's ``extra.url``, when one is set."""
    try:
        from airflow.sdk import Connection

        conn = Connection.get(conn_id)
    except Exception:  # no such connection: the settings default applies
        return None
    return conn.extra_dejson.get("url") or None


def raw_gate(dt: str) -> dict:
    """The raw gate, holding a failing entity back while the others build (siyu.quality.gates);
    a hold is logged and sent to the operators' WeCom group, since the run itself succeeds."""
    from siyu.quality.gates import run_raw_gate

    summary = run_raw_gate(dt, hold_back=True)
    held = {suite: r for suite, r in summary.items() if r.get("held_back")}
    if held:
        from siyu.alerts import MAX_BYTES, _truncate_bytes, send
        from siyu.quality.gates import held_back

        ledger = held_back()
        lines = [
            f"**Siyu: siyu_warehouse holds back {len(held)} entit{'y' if len(held) == 1 else 'ies'}**"
            f" for {dt}; the other sources build."
        ]
        for suite, result in sorted(held.items()):
            key = suite.removeprefix("raw.")
            lines.append(
                f"> {key} stays at {result['last_good_partition']} until {dt} is re-landed and re-run:"
            )
            lines += [f"> {suite}: {failure}" for failure in ledger[key][dt]["failures"]]
        message = _truncate_bytes("\n".join(lines), MAX_BYTES)
        log.warning(message)
        send(message)
    return summary


def _release_warehouse() -> None:
    # Cosmos runs dbt in-process: when a local run puts every task in one process, dbt-duckdb's
    # still-open connection would clash with ours. (Under Celery each task is its own process.)
    from siyu.warehouse import release_duckdb

    release_duckdb()


def marts_gate(dt: str) -> dict:
    from siyu.quality.gates import run_marts_gate

    _release_warehouse()
    return run_marts_gate(dt)


def publish(dt: str) -> list[str]:
    from siyu.publish import publish as publish_marts

    _release_warehouse()
    s = settings()
    tables = publish_marts(s.warehouse, s.published, s.published.parent / "parquet", date=dt, docs_site=True)
    log.info("published %d marts for %s to %s", len(tables), dt, s.published)
    return tables


def export_crm(dt: str) -> dict:
    from siyu.exports.profiles import export_date

    s = settings()
    manifest = export_date(s.published, s.home / "exports", dt)
    log.info("exports for %s: %s", dt, manifest["rows"])
    return manifest["rows"]


def sync_wecom_tags(dt: str, endpoint: WeComEndpoint | None = None) -> dict:
    """Write the published customer tags to WeCom; the summary is kept for the run report."""
    import json

    from siyu.exports.sync import sync_tags

    s = settings()
    ep = endpoint or wecom_endpoint()
    with ep.client() as client:
        summary = sync_tags(client, s.published, date=dt)
    folder = s.state_dir / "tag_sync"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{dt}.json").write_text(json.dumps(summary))
    if summary.get("failed"):
        # Retried by the task's retries and, failing that, by the next run's plan (never twice).
        raise RuntimeError(f"tag sync: {summary['failed']} of {summary['planned']} mark_tag calls failed")
    return summary
