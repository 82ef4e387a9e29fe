"""Failure alerts to the operators' WeCom group through a group robot (群机器人) webhook.

The robot is the Airflow connection ``siyu_alerts``: host (default qyapi.weixin.qq.com) and the
robot's key as password, e.g.
``AIRFLOW_CONN_SIYU_ALERTS='{"conn_type": "https", "host": "qyapi.weixin.qq.com", "password": "<key>"}'``.
E-mail is the alternative (or an addition): the SMTP connection ``siyu_alerts_email``, host, port,
login and password of the mail server, and in extra the recipients and how to connect, e.g.
``AIRFLOW_CONN_SIYU_ALERTS_EMAIL='{"conn_type": "smtp", "host": "smtp.exmail.qq.com", "port": 465,
"login": "siyu@brand.cn", "password": "<password>", "extra": {"to": ["data-ops@brand.cn"], "ssl": true}}'``
(``"starttls": true`` for port 587; ``from`` defaults to the login). An alert goes to every channel
configured; with neither connection none is sent (a log line says so).

The robot API: POST /cgi-bin/webhook/send?key=KEY with a markdown message of at most 4096 bytes,
answered ``{"errcode": 0, "errmsg": "ok"}``; 20 messages a minute per robot.
https://developer.work.weixin.qq.com/document/path/91770
"""

from __future__ import annotations

import logging
from typing import Any

from siyu.config import ALERTS_CONN_ID

log = logging.getLogger(__name__)

CONN_ID = ALERTS_CONN_ID
EMAIL_CONN_ID = "siyu_alerts_email"
MAX_BYTES = 4096  # the robot's limit for markdown content
MAX_DETAIL = 1500  # of the exception: the gate's message names suite, expectation and a sample first


def robot_url(conn) -> str:
    scheme = conn.conn_type if conn.conn_type in ("http", "https") else "https"
    host = conn.host or "qyapi.weixin.qq.com"
    port = f":{conn.port}" if conn.port else ""
    key = conn.password or conn.extra_dejson.get("key") or ""
    return f"{scheme}://{host}{port}/cgi-bin/webhook/send?key={key}"


def _truncate_bytes(text: str, limit: int) -> str:
    raw = text.encode()
    return text if len(raw) <= limit else raw[: limit - 3].decode(errors="ignore") + "..."


def failure_message(context: dict[str, Any]) -> str:
    """Markdown for a failed task or run: DAG, task, the China day it covers, try and the error."""
    from siyu.run_context import NoRunDate, run_date

    dag_run = context.get("dag_run")
    ti = context.get("ti") or context.get("task_instance")
    dag_id = getattr(dag_run, "dag_id", None) or getattr(ti, "dag_id", "?")
    try:
        day = run_date(context)
    except NoRunDate:
        day = "no date"
    lines = [f"**Siyu: {dag_id} failed** for {day}"]
    if ti is not None:
        lines.append(f"> task: {ti.task_id}, try {getattr(ti, 'try_number', '?')}")
    reason = context.get("reason")
    if reason:  # a DAG-level callback: e.g. the run passed its dagrun_timeout (a source not landed)
        lines.append(f"> reason: {reason}")
    error = context.get("exception")
    if error is not None:
        lines.append(f"> {type(error).__name__}: " + str(error)[:MAX_DETAIL].replace("\n", "\n> "))
    if dag_run is not None and getattr(dag_run, "run_id", None):
        lines.append(f"> run: {dag_run.run_id}")
    return _truncate_bytes("\n".join(lines), MAX_BYTES)


def _connection(conn_id: str):
    from airflow.sdk import Connection

    try:
        return Connection.get(conn_id)
    except Exception:
        return None


def send(markdown: str, conn_id: str = CONN_ID, email_conn_id: str = EMAIL_CONN_ID) -> bool:
    """The alert to every configured channel (robot, e-mail); False (logged, never raised) when it
    reached none."""
    robot, mail = _connection(conn_id), _connection(email_conn_id)
    if robot is None and mail is None:
        log.warning("no %s or %s connection: failure alert not sent", conn_id, email_conn_id)
        return False
    sent = [
        send_robot(markdown, robot) if robot is not None else False,
        send_email(markdown, mail) if mail is not None else False,
    ]
    return any(sent)


def send_email(markdown: str, conn) -> bool:
    """The alert as a plain-text mail: the subject is its first line (DAG and day)."""
    import smtplib
    import ssl
    from email.message import EmailMessage

    extra = conn.extra_dejson
    to = extra.get("to") or []
    to = [to] if isinstance(to, str) else list(to)
    if not to:
        log.warning("the %s connection names no recipients (extra.to): alert not mailed", conn.conn_id)
        return False
    message = EmailMessage()
    message["Subject"] = markdown.splitlines()[0].replace("**", "")
    message["From"] = extra.get("from") or conn.login or "siyu@localhost"
    message["To"] = ", ".join(to)
    message.set_content(markdown)
    use_ssl = bool(extra.get("ssl", conn.port == 465))
    try:
        smtp_class = smtplib.SMTP_SSL if use_ssl else smtplib.SMTP
        kwargs: dict[str, Any] = {"context": ssl.create_default_context()} if use_ssl else {}
        with smtp_class(
            conn.host or "localhost", conn.port or (465 if use_ssl else 25), timeout=10, **kwargs
        ) as smtp:
            if extra.get("starttls"):
                smtp.starttls(context=ssl.create_default_context())
            if conn.login and conn.password:
                smtp.login(conn.login, conn.password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:  # the kind only: no server answer with secrets
        log.warning("failure alert not mailed: %s", type(error).__name__)
        return False
    return True


def send_robot(markdown: str, conn) -> bool:
    """Post one markdown message to the robot."""
    import httpx

    try:
        answer = httpx.post(
            robot_url(conn), json={"msgtype": "markdown", "markdown": {"content": markdown}}, timeout=10
        ).json()
    except (httpx.HTTPError, ValueError) as error:  # the URL holds the key: log the kind, not the URL
        log.warning("failure alert not delivered: %s", type(error).__name__)
        return False
    if answer.get("errcode") != 0:
        log.warning("failure alert refused: errcode %s %s", answer.get("errcode"), answer.get("errmsg"))
        return False
    return True


def on_failure(context: dict[str, Any]) -> None:
    """Airflow on_failure_callback for tasks and DAG runs."""
    send(failure_message(context))
