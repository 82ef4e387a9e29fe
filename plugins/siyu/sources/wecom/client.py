"""A WeCom server-API client: token caching, errcode checks, retries, cursors, rate limits.

- The access_token is fetched once and cached until shortly before it expires; on 40001 / 40014 /
  42001 it is dropped and fetched again, once per call.
- -1 (busy), 45009 / 45033 (rate limits), timeouts, dropped connections and 5xx are retried with
  exponential backoff and jitter (tenacity). Any other errcode raises ``WeComError`` naming the
  endpoint and the API's errmsg. The corp secret and tokens never appear in errors or logs.
- Each endpoint has a client-side rate limit, so a big pull stays under WeCom's per-API quotas.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

log = logging.getLogger(__name__)

TOKEN_ERRORS = frozenset({40001, 40014, 42001})
TRANSIENT_ERRORS = frozenset({-1, 45009, 45033})
TOKEN_MARGIN_S = 300  # refresh a token this long before WeCom says it expires
DEFAULT_RATE = 50.0  # requests per second per endpoint
RATES = {
    "externalcontact/mark_tag": 20.0,
    "externalcontact/get_user_behavior_data": 10.0,
    "idconvert/unionid_to_external_userid": 25.0,  # WeCom allows 100,000 an hour per corp
}


class WeComError(RuntimeError):
    """WeCom answered with an errcode we must not retry (or kept failing after retries)."""

    def __init__(self, endpoint: str, errcode: int, errmsg: str):
        super().__init__(f"WeCom {endpoint} failed: errcode {errcode}: {errmsg}")
        self.endpoint, self.errcode, self.errmsg = endpoint, errcode, errmsg


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
    ):
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

    def __enter__(self) -> WeComClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- transport --------------------------------------------------------------------------
    def _send(self, method: str, endpoint: str, params: dict, body: dict | None) -> dict:
        limiter = self._limiters.setdefault(endpoint, RateLimiter(self._rates.get(endpoint, DEFAULT_RATE)))
        limiter.wait()
        self.requests += 1
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
    def follow_users(self) -> list[str]:
        """Staff members with the customer-contact permission."""
        return self.get("externalcontact/get_follow_user_list")["follow_user"]

    def iter_contacts(self, userids: list[str] | None = None) -> Iterator[dict]:
        """batch/get_by_user items ({external_contact, follow_info}), 100 staff per request."""
        staff = self.follow_users() if userids is None else userids
        for i in range(0, len(staff), 100):
            body = {"userid_list": staff[i : i + 100], "limit": 100}
            yield from self._pages("externalcontact/batch/get_by_user", body, "external_contact_list")

    def corp_tags(self) -> list[dict]:
        return self.post("externalcontact/get_corp_tag_list", {})["tag_group"]

    def mark_tag(
        self, userid: str, external_userid: str, add_tag: list[str] = (), remove_tag: list[str] = ()
    ) -> None:
        body = {"userid": userid, "external_userid": external_userid}
        if add_tag:
            body["add_tag"] = list(add_tag)
        if remove_tag:
            body["remove_tag"] = list(remove_tag)
        self.post("externalcontact/mark_tag", body)

    def group_chat_ids(self) -> list[str]:
        body = {"status_filter": 0, "limit": 1000}
        return [c["chat_id"] for c in self._pages("externalcontact/groupchat/list", body, "group_chat_list")]

    def group_chat(self, chat_id: str) -> dict:
        return self.post("externalcontact/groupchat/get", {"chat_id": chat_id, "need_name": 1})["group_chat"]

    def contact_way_ids(self) -> list[str]:
        body = {"limit": 100}
        return [w["config_id"] for w in self._pages("externalcontact/list_contact_way", body, "contact_way")]

    def contact_way(self, config_id: str) -> dict:
        return self.post("externalcontact/get_contact_way", {"config_id": config_id})["contact_way"]

    def user_behavior(self, userid: str, start_time: int, end_time: int) -> list[dict]:
        """Daily stats of one staff member (the API sums several users, so ask one at a time)."""
        body = {"userid": [userid], "start_time": start_time, "end_time": end_time}
        return self.post("externalcontact/get_user_behavior_data", body)["behavior_data"]

    def unionid_to_external_userid(self, unionid: str, openid: str, subject_type: int = 0) -> dict:
        """idconvert/unionid_to_external_userid: ``external_userid_info`` (the corp's contact) or a
        ``pending_id`` while the WeChat user is not a customer. subject_type 0: the mini-program
        belongs to the corp itself."""
        body = {"unionid": unionid, "openid": openid, "subject_type": subject_type}
        return self.post("idconvert/unionid_to_external_userid", body)

    def external_userid_to_pending_id(self, external_userids: list[str]) -> list[dict]:
        """idconvert/batch/external_userid_to_pending_id (1-100 ids a call): [{external_userid,
        pending_id}] for contacts whose unionid was converted to a pending_id before they were customers."""
        body = {"external_userid": external_userids}
        return self.post("idconvert/batch/external_userid_to_pending_id", body).get("result", [])
