"""A WeCom server-API client: token caching, errcode checks, retries, cursors, rate limits.

- The access_token is fetched once and cached until shortly before it expires; on 40001 / 40014 /
  42001 it is dropped and fetched again, once per call.
- -1 (busy), 45009 / 45033 (rate limits), timeouts, dropped connections and 5xx are retried with
  exponential backoff and jitter (tenacity). Any other errcode raises ``WeComError`` naming the
  endpoint, the errcode's documented meaning and the API's errmsg. The corp secret and tokens never
  appear in errors or logs: httpx logs every request URL (gettoken's corpsecret, every access_token)
  at INFO, so the client redacts them from httpx's and httpcore's records at every level.
- Each endpoint has a client-side rate limit, so a big pull stays under WeCom's per-API quotas;
  with a ``CallLedger`` (siyu.sources.wecom.budget) every request also counts against the per-API
  minute and hour budgets kept across runs.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

import httpx
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from siyu.errors import RunError
from siyu.sources.wecom.errcodes import meaning

log = logging.getLogger(__name__)
SECRET_PARAMS = re.compile(r"((?:corpsecret|access_token)=)[^&\s\"'>]+")

TOKEN_ERRORS = frozenset({40001, 40014, 42001})
TRANSIENT_ERRORS = frozenset({-1, 45009, 45033})
TOKEN_MARGIN_S = 300  # refresh a token this long before WeCom says it expires
DEFAULT_RATE = 50.0  # requests per second per endpoint
RATES = {
    "externalcontact/mark_tag": 20.0,
    "externalcontact/get_user_behavior_data": 10.0,
    "idconvert/unionid_to_external_userid": 25.0,  # WeCom allows 100,000 an hour per corp
}


class WeComError(RunError):
    """WeCom answered with an errcode we must not retry (or kept failing after retries)."""

    def __init__(self, endpoint: str, errcode: int, errmsg: str):
        super().__init__(f"WeCom {endpoint} failed: errcode {errcode} ({meaning(errcode)}): {errmsg}")
        self.endpoint, self.errcode, self.errmsg = endpoint, errcode, errmsg


class _RedactSecrets(logging.Filter):
    """Rewrites a log record so no corpsecret or access_token value survives in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = SECRET_PARAMS.sub(r"\1***", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


REDACT = _RedactSecrets()
HTTP_LOGGERS = ("httpx", "httpcore", "httpcore.http11", "httpcore.connection", "httpcore.proxy")


def redact_http_logs() -> None:
    """Filters sit on the logger a record is made on (not its parents): cover each of httpx's."""
    for name in HTTP_LOGGERS:
        logger = logging.getLogger(name)
        if REDACT not in logger.filters:
            logger.addFilter(REDACT)


class _Transient(Exception):
    def __init__(self, endpoint: str, errcode: int, errmsg: str):
        super().__init__(errmsg)
        self.endpoint, self.errcode, self.errmsg = endpoint, errcode, errmsg


class RateLimiter:
    """At most ``rate`` calls per second: callers are spaced evenly, across threads."""

    def __init__(self, rate: float):
        self.interval = 1.0 / rate
        self.next_at = 0.0
        self.lock = threading.Lock()

    def wait(self) -> None:
        with self.lock:
            now = time.monotonic()
            at = max(now, self.next_at)
            self.next_at = at + self.interval
        if at > now:
            time.sleep(at - now)


class WeComClient:
    def __init__(
        self,
        base_url: str = "https://qyapi.weixin.qq.com",
        corpid: str = "",
        secret: str = "",
        timeout: float = 10.0,
        attempts: int = 8,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        rates: dict[str, float] | None = None,
        ledger=None,
    ):
        """``ledger``: a ``siyu.sources.wecom.budget.CallLedger`` that counts every request against
        the per-API minute and hour budgets kept across runs (none: only this run's pacing)."""
        redact_http_logs()
        self._ledger = ledger
        self.corpid, self._secret = corpid, secret
        self._http = httpx.Client(base_url=base_url.rstrip("/") + "/cgi-bin/", timeout=timeout)
        self._token: str | None = None
        self._token_expiry = 0.0
        self._token_lock = threading.Lock()
        self._retrying = Retrying(
            retry=retry_if_exception_type(_Transient),
            wait=wait_random_exponential(multiplier=backoff, max=max_backoff),
            stop=stop_after_attempt(attempts),
            reraise=True,
        )
        self._rates = {**RATES, **(rates or {})}
        self._limiters: dict[str, RateLimiter] = {}
        self.requests = 0  # HTTP requests sent, retries included
        self.calls: Counter[str] = Counter()  # the same, by API path (what WeCom's quotas count)

    def __enter__(self) -> WeComClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()
        if self._ledger is not None:
            self._ledger.flush()

    # --- transport --------------------------------------------------------------------------
    def _send(self, method: str, endpoint: str, params: dict, body: dict | None) -> dict:
        limiter = self._limiters.setdefault(endpoint, RateLimiter(self._rates.get(endpoint, DEFAULT_RATE)))
        limiter.wait()
        if self._ledger is not None:  # raises BudgetSpent (not retried) once the hour is spent
            self._ledger.take(endpoint)
        self.requests += 1
        self.calls[endpoint] += 1
        try:
            response = self._http.request(method, endpoint, params=params, json=body)
        except httpx.TransportError as error:  # the message would hold the URL: keep it out
            raise _Transient(endpoint, -1, f"{type(error).__name__}") from None
        if response.status_code >= 500:
            raise _Transient(endpoint, -1, f"HTTP {response.status_code}")
        if response.status_code != 200:
            raise WeComError(endpoint, -1, f"HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            raise _Transient(endpoint, -1, "response is not JSON") from None
        errcode = data.get("errcode", 0)
        if errcode in TRANSIENT_ERRORS:
            raise _Transient(endpoint, errcode, data.get("errmsg", ""))
        return data

    def _send_retrying(self, method: str, endpoint: str, params: dict, body: dict | None) -> dict:
        try:
            return self._retrying(self._send, method, endpoint, params, body)
        except _Transient as error:
            raise WeComError(
                error.endpoint, error.errcode, f"{error.errmsg} (gave up after retries)"
            ) from None

    def _access_token(self) -> str:
        with self._token_lock:
            if self._token is None or time.monotonic() >= self._token_expiry:
                data = self._send_retrying(
                    "GET", "gettoken", {"corpid": self.corpid, "corpsecret": self._secret}, None
                )
                if data.get("errcode", 0) != 0:
                    raise WeComError("gettoken", data["errcode"], data.get("errmsg", ""))
                self._token = data["access_token"]
                self._token_expiry = time.monotonic() + max(
                    60, int(data.get("expires_in", 7200)) - TOKEN_MARGIN_S
                )
            return self._token

    def _drop_token(self, token: str) -> None:
        with self._token_lock:
            if self._token == token:
                self._token = None

    def call(self, method: str, endpoint: str, body: dict | None = None, **params: Any) -> dict:
        """One API call: errcode checked, token refreshed once, transient failures retried."""
        for attempt in (1, 2):
            token = self._access_token()
            data = self._send_retrying(method, endpoint, {**params, "access_token": token}, body)
            errcode = data.get("errcode", 0)
            if errcode == 0:
                return data
            if errcode in TOKEN_ERRORS and attempt == 1:
                log.info("WeCom %s: token rejected (errcode %s), fetching a new one", endpoint, errcode)
                self._drop_token(token)
                continue
            raise WeComError(endpoint, errcode, data.get("errmsg", ""))
        raise AssertionError("unreachable")

    def get(self, endpoint: str, **params: Any) -> dict:
        return self.call("GET", endpoint, None, **params)

    def post(self, endpoint: str, body: dict, **params: Any) -> dict:
        return self.call("POST", endpoint, body, **params)

    def _pages(self, endpoint: str, body: dict, key: str) -> Iterator[dict]:
        cursor = ""
        while True:
            data = self.post(endpoint, {**body, "cursor": cursor})
            yield from data.get(key, [])
            cursor = data.get("next_cursor") or ""
            if not cursor:
                return

    # --- endpoints --------------------------------------------------------------------------
    # Request and answer shapes: the pages cited on each method (developer.work.weixin.qq.com).
    def follow_users(self) -> list[str]:
        """Staff members with the customer-contact permission (GET; document/path/92571)."""
        return self.get("externalcontact/get_follow_user_list")["follow_user"]

    def iter_contacts(self, userids: list[str] | None = None) -> Iterator[dict]:
        """batch/get_by_user items ({external_contact, follow_info}), at most 100 staff and 100 items a
        request (document/path/93010)."""
        staff = self.follow_users() if userids is None else userids
        for i in range(0, len(staff), 100):
            body = {"userid_list": staff[i : i + 100], "limit": 100}
            yield from self._pages("externalcontact/batch/get_by_user", body, "external_contact_list")

    def corp_tags(self, tag_ids: list[str] | None = None) -> list[dict]:
        """get_corp_tag_list (document/path/92117). ``deleted`` is answered only when tag ids are
        passed, so the caller passes the ids it already holds; no ids: the whole live library."""
        body = {"tag_id": sorted(tag_ids)} if tag_ids else {}
        return self.post("externalcontact/get_corp_tag_list", body)["tag_group"]

    def strategy_tags(self) -> list[dict]:
        """get_strategy_tag_list: the rule groups' (规则组) tags (document/path/94882)."""
        return self.post("externalcontact/get_strategy_tag_list", {}).get("tag_group", [])

    def unassigned(self) -> list[dict]:
        """get_unassigned_list: customers of resigned staff waiting to be handed over,
        [{handover_userid, external_userid, dimission_time}] (document/path/92124)."""
        rows, cursor = [], ""
        while True:
            data = self.post("externalcontact/get_unassigned_list", {"page_size": 1000, "cursor": cursor})
            rows.extend(data.get("info", []))
            cursor = data.get("next_cursor") or ""
            if data.get("is_last", True) or not cursor:
                return rows

    def mark_tag(
        self, userid: str, external_userid: str, add_tag: Sequence[str] = (), remove_tag: Sequence[str] = ()
    ) -> None:
        body: dict[str, Any] = {"userid": userid, "external_userid": external_userid}
        if add_tag:
            body["add_tag"] = list(add_tag)
        if remove_tag:
            body["remove_tag"] = list(remove_tag)
        self.post("externalcontact/mark_tag", body)

    def group_chat_list(self, owners: list[str]) -> list[dict]:
        """groupchat/list over every owner given, 100 a request (owner_filter.userid_list holds at most
        100; without it WeCom lists only owners in the app's visibility, never resigned ones, and
        errs 81017 past its visible-staff limit): [{chat_id, status}] (document/path/92120)."""
        chats: dict[str, dict] = {}
        for i in range(0, len(owners), 100):
            body = {"status_filter": 0, "owner_filter": {"userid_list": owners[i : i + 100]}, "limit": 1000}
            for chat in self._pages("externalcontact/groupchat/list", body, "group_chat_list"):
                chats[chat["chat_id"]] = chat
        return [chats[c] for c in sorted(chats)]

    def group_chat(self, chat_id: str) -> dict:
        """groupchat/get: details and members, no status (document/path/92122)."""
        return self.post("externalcontact/groupchat/get", {"chat_id": chat_id, "need_name": 1})["group_chat"]

    def contact_way_ids(self, start_time: int, end_time: int) -> list[str]:
        """list_contact_way for one window (without one WeCom answers the last 90 days only; a window
        spans at most 90 days, document/path/92228)."""
        body = {"start_time": start_time, "end_time": end_time, "limit": 1000}
        return [w["config_id"] for w in self._pages("externalcontact/list_contact_way", body, "contact_way")]

    def contact_way(self, config_id: str) -> dict:
        return self.post("externalcontact/get_contact_way", {"config_id": config_id})["contact_way"]

    def user_behavior(self, userid: str, start_time: int, end_time: int) -> list[dict]:
        """Daily stats of one staff member (the API sums several users, so ask one at a time;
        document/path/92132)."""
        body = {"userid": [userid], "start_time": start_time, "end_time": end_time}
        return self.post("externalcontact/get_user_behavior_data", body)["behavior_data"]

    def unionid_to_external_userid(self, unionid: str, openid: str, subject_type: int = 0) -> dict:
        """idconvert/unionid_to_external_userid (document/path/97108): ``external_userid`` when the
        WeChat user is the corp's customer, else ``pending_id`` (valid 90 days). Only a third-party or
        代开发 app's token may call it. subject_type 0: the mini-program belongs to the corp itself."""
        body = {"unionid": unionid, "openid": openid, "subject_type": subject_type}
        return self.post("idconvert/unionid_to_external_userid", body)

    def external_userid_to_pending_id(self, external_userids: list[str]) -> list[dict]:
        """idconvert/batch/external_userid_to_pending_id (1-100 ids a call; document/path/97108):
        [{external_userid, pending_id}] for contacts whose unionid was converted to a pending_id in the
        last 90 days, before they were customers."""
        body = {"external_userid": external_userids}
        return self.post("idconvert/batch/external_userid_to_pending_id", body).get("result", [])
