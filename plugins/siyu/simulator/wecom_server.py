"""`siyu serve-wecom`: a real HTTP server on loopback that answers like WeCom's API.

Paths, parameters and JSON shapes follow the WeCom server API (qyapi.weixin.qq.com): every body has
``errcode``/``errmsg``; the access_token is a query parameter; list endpoints page with an opaque
cursor. With ``faults`` > 0 a share of requests fail the ways the real API does: busy (-1), rate
limits (45009, 45033), a token expiring mid-run (42001), 5xx, slow answers and dropped connections.
``mark_tag`` changes the served state, so tag sync can be verified against it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from siyu.simulator.timeline import state_at

DEMO_CORPID = "wwsiyudemo0000001"
DEMO_SECRET = "siyu-demo-secret"
TOKEN_TTL = 7200
PREFIX = "/cgi-bin/"
INVALID_UNIONID = 40003  # the simulator's answer to a (unionid, openid) pair it does not know


def unpaced_rates() -> dict[str, float]:
    """Client rates for this simulator: it has no quota, so no API waits on WeCom's (the ID
    conversion's 100,000 an hour, tag writes, behaviour reads)."""
    from siyu.sources.wecom.client import RATES

    return {path: 1000.0 for path in RATES}


class ApiError(Exception):
    def __init__(self, errcode: int, errmsg: str):
        super().__init__(errmsg)
        self.errcode, self.errmsg = errcode, errmsg


def _page(items: list, body: dict, max_limit: int) -> tuple[list, str]:
    limit = int(body.get("limit") or max_limit)
    if not 1 <= limit <= max_limit:
        raise ApiError(40058, f"limit must be between 1 and {max_limit}")
    cursor = body.get("cursor") or ""
    try:
        offset = int(cursor.removeprefix("CUR")) if cursor else 0
    except ValueError:
        raise ApiError(40058, "invalid cursor") from None
    chunk = items[offset : offset + limit]
    more = offset + limit < len(items)
    return chunk, f"CUR{offset + limit}" if more else ""


class WeComState:
    """The corp's data as served, indexed for the API's lookups. Thread-safe for mark_tag."""

    def __init__(self, state: dict, corpid: str = DEMO_CORPID, secret: str = DEMO_SECRET):
        self.corpid, self.secret = corpid, secret
        self.data = state
        self.lock = threading.Lock()
        self.tokens: dict[str, float] = {}
        self.by_staff: dict[str, list[tuple[dict, dict]]] = {}
        self.follow_index: dict[tuple[str, str], dict] = {}
        for contact in state["contacts"]:
            for follow in contact["follow_user"]:
                self.by_staff.setdefault(follow["userid"], []).append((contact, follow))
                self.follow_index[follow["userid"], contact["external_contact"]["external_userid"]] = follow
        for pairs in self.by_staff.values():
            pairs.sort(key=lambda cf: (cf[1]["createtime"], cf[0]["external_contact"]["external_userid"]))
        self.chats = {c["chat_id"]: c for c in state["group_chats"]}
        self.ways = {w["config_id"]: w for w in state["contact_ways"]}
        self.tag_ids = {t["id"] for g in state["tag_groups"] for t in g["tag"]}
        self.unionid_index: dict[str, dict] = state.get("unionid_index", {})
        self.unionid_by_external = {
            v["external_userid"]: u for u, v in self.unionid_index.items() if v["external_userid"]
        }
        self.wechat_contacts = {  # WeChat users among the contacts (type 1): the ones a unionid maps to
            c["external_contact"]["external_userid"]
            for c in state["contacts"]
            if c["external_contact"]["type"] == 1
        }

    # --- auth -----------------------------------------------------------------------------
    def gettoken(self, query: dict, body: dict) -> dict:
        if query.get("corpid") != self.corpid or query.get("corpsecret") != self.secret:
            raise ApiError(40001, "invalid credential")
        token = "tok" + "".join(random.choice("0123456789abcdef") for _ in range(32))
        with self.lock:
            self.tokens[token] = time.time() + TOKEN_TTL
        return {"access_token": token, "expires_in": TOKEN_TTL}

    def check_token(self, query: dict) -> None:
        token = query.get("access_token")
        if not token:
            raise ApiError(41001, "access_token missing")
        expiry = self.tokens.get(token)
        if expiry is None:
            raise ApiError(40014, "invalid access_token")
        if expiry < time.time():
            raise ApiError(42001, "access_token expired")

    def expire_tokens(self) -> None:
        with self.lock:
            for token in self.tokens:
                self.tokens[token] = 0

    # --- external contacts ----------------------------------------------------------------
    def get_follow_user_list(self, query: dict, body: dict) -> dict:
        return {"follow_user": list(self.data["follow_user_list"])}

    def batch_get_by_user(self, query: dict, body: dict) -> dict:
        userids = body.get("userid_list") or []
        if not userids or len(userids) > 100:
            raise ApiError(40058, "userid_list must hold 1 to 100 userids")
        items = [(c, f) for u in userids for c, f in self.by_staff.get(u, [])]
        chunk, cursor = _page(items, body, 100)
        with self.lock:  # mark_tag may be changing tag lists
            result = [
                {
                    "external_contact": dict(c["external_contact"]),
                    "follow_info": {**{k: v for k, v in f.items()}, "tag_id": list(f["tag_id"])},
                }
                for c, f in chunk
            ]
        return {"external_contact_list": result, "next_cursor": cursor}

    def mark_tag(self, query: dict, body: dict) -> dict:
        key = (body.get("userid"), body.get("external_userid"))
        follow = self.follow_index.get(key)
        if follow is None:
            raise ApiError(84061, "not external contact")
        add, remove = body.get("add_tag") or [], body.get("remove_tag") or []
        if not add and not remove:
            raise ApiError(40058, "add_tag and remove_tag are both empty")
        unknown = (set(add) | set(remove)) - self.tag_ids
        if unknown:
            raise ApiError(40068, "invalid tagid")
        with self.lock:
            tags = [t for t in follow["tag_id"] if t not in remove]
            follow["tag_id"] = tags + [t for t in add if t not in tags]
        return {}

    def get_corp_tag_list(self, query: dict, body: dict) -> dict:
        groups = self.data["tag_groups"]
        if body.get("group_id"):
            groups = [g for g in groups if g["group_id"] in body["group_id"]]
        return {"tag_group": groups}

    # --- customer groups ------------------------------------------------------------------
    def groupchat_list(self, query: dict, body: dict) -> dict:
        owners = (body.get("owner_filter") or {}).get("userid_list")
        status = body.get("status_filter", 0)
        chats = [
            c
            for c in self.data["group_chats"]
            if (not owners or c["owner"] in owners) and (status != 0 or c["status"] == 0)
        ]
        chunk, cursor = _page(chats, body, 1000)
        return {
            "group_chat_list": [{"chat_id": c["chat_id"], "status": c["status"]} for c in chunk],
            "next_cursor": cursor,
        }

    def groupchat_get(self, query: dict, body: dict) -> dict:
        chat = self.chats.get(body.get("chat_id"))
        if chat is None:
            raise ApiError(701008, "chat_id not found")
        need_name = bool(body.get("need_name"))
        members = [
            m if need_name else {k: v for k, v in m.items() if k != "name"} for m in chat["member_list"]
        ]
        return {"group_chat": {**chat, "member_list": members, "member_version": str(len(members))}}

    # --- contact ways ---------------------------------------------------------------------
    def list_contact_way(self, query: dict, body: dict) -> dict:
        chunk, cursor = _page(self.data["contact_ways"], body, 1000)
        return {"contact_way": [{"config_id": w["config_id"]} for w in chunk], "next_cursor": cursor}

    def get_contact_way(self, query: dict, body: dict) -> dict:
        way = self.ways.get(body.get("config_id"))
        if way is None:
            raise ApiError(41044, "invalid config_id")
        return {"contact_way": way}

    # --- staff behaviour ------------------------------------------------------------------
    def get_user_behavior_data(self, query: dict, body: dict) -> dict:
        userids = body.get("userid") or []
        start, end = int(body.get("start_time", 0)), int(body.get("end_time", 0))
        if not userids or end < start or end - start > 30 * 86400:
            raise ApiError(40058, "userid required; end_time - start_time within 30 days")
        days: dict[int, dict] = {}
        for userid in userids:  # several users: the API sums them per day
            for row in self.data["behavior"].get(userid, []):
                if start <= row["stat_time"] <= end:
                    day = days.setdefault(row["stat_time"], Counter())
                    day.update({k: v for k, v in row.items() if k != "stat_time"})
        return {"behavior_data": [{"stat_time": t, **dict(v)} for t, v in sorted(days.items())]}

    # --- ID conversion ------------------------------------------------------------------------
    def unionid_to_external_userid(self, query: dict, body: dict) -> dict:
        """idconvert/unionid_to_external_userid: the corp's external_userid of a WeChat user given the
        unionid and openid their mini-program got; a pending_id while they are not a customer."""
        unionid, openid = body.get("unionid"), body.get("openid")
        if not unionid or not openid:
            raise ApiError(40058, "unionid and openid are required")
        known = self.unionid_index.get(unionid)
        if known is None or known["openid"] != openid:
            raise ApiError(INVALID_UNIONID, "invalid unionid or openid")
        external_userid = known["external_userid"]
        if external_userid in self.wechat_contacts:
            return {"external_userid_info": [{"corpid": self.corpid, "external_userid": external_userid}]}
        return {"external_userid_info": [], "pending_id": self._pending_id(unionid)}

    def external_userid_to_pending_id(self, query: dict, body: dict) -> dict:
        """idconvert/batch/external_userid_to_pending_id: for contacts that became customers after their
        unionid was converted, the pending_id that conversion returned. (WeCom answers for unionids
        converted in the last 90 days; the simulator, which keeps no memory between runs, for any.)"""
        externals = body.get("external_userid") or []
        if not externals or len(externals) > 100:
            raise ApiError(40058, "external_userid must hold 1 to 100 ids")
        result = [
            {"external_userid": e, "pending_id": self._pending_id(self.unionid_by_external[e])}
            for e in externals
            if e in self.wechat_contacts and e in self.unionid_by_external
        ]
        return {"result": result}

    def _pending_id(self, unionid: str) -> str:
        return "pd" + hashlib.sha256(f"{self.corpid}:{unionid}".encode()).hexdigest()[:30]


ROUTES: dict[str, str] = {
    "gettoken": "gettoken",
    "externalcontact/get_follow_user_list": "get_follow_user_list",
    "externalcontact/batch/get_by_user": "batch_get_by_user",
    "externalcontact/mark_tag": "mark_tag",
    "externalcontact/get_corp_tag_list": "get_corp_tag_list",
    "externalcontact/groupchat/list": "groupchat_list",
    "externalcontact/groupchat/get": "groupchat_get",
    "externalcontact/list_contact_way": "list_contact_way",
    "externalcontact/get_contact_way": "get_contact_way",
    "externalcontact/get_user_behavior_data": "get_user_behavior_data",
    "idconvert/unionid_to_external_userid": "unionid_to_external_userid",
    "idconvert/batch/external_userid_to_pending_id": "external_userid_to_pending_id",
}
FAULTS = ("busy", "freq", "concurrency", "expire", "5xx", "slow", "drop")


class WeComServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, state: WeComState, faults: float, seed: int):
        super().__init__(address, Handler)
        self.state = state
        self.faults = faults
        self.rng = random.Random(seed)
        self.rng_lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.faults_injected: Counter[str] = Counter()

    def draw_fault(self, path: str) -> str | None:
        with self.rng_lock:
            self.calls[path] += 1
            if self.faults and self.rng.random() < self.faults:
                fault = self.rng.choice(FAULTS)
                self.faults_injected[fault] += 1
                return fault
        return None


class Handler(BaseHTTPRequestHandler):
    server: WeComServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle's algorithm on, the body waits for the
    # client's delayed ACK, 40 ms a request on a kept-alive connection.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - keep tokens out of stderr
        pass

    def do_GET(self) -> None:  # noqa: N802
        self._handle()

    def do_POST(self) -> None:  # noqa: N802
        self._handle()

    def _handle(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        path = url.path.removeprefix(PREFIX)
        method: Callable | None = getattr(self.server.state, ROUTES[path]) if path in ROUTES else None
        if method is None:
            return self._send(404, {"errcode": 404, "errmsg": "not found"})
        fault = self.server.draw_fault(path)
        if fault == "drop":
            self.close_connection = True
            self.connection.close()
            return
        if fault == "5xx":
            return self._send(502, {"errcode": -1, "errmsg": "bad gateway"})
        if fault == "slow":
            time.sleep(0.3)
        try:
            if fault in ("busy", "freq", "concurrency"):
                code = {"busy": -1, "freq": 45009, "concurrency": 45033}[fault]
                raise ApiError(
                    code,
                    {
                        "busy": "system busy",
                        "freq": "api freq out of limit",
                        "concurrency": "api concurrent out of limit",
                    }[fault],
                )
            if path != "gettoken":
                if fault == "expire":
                    self.server.state.expire_tokens()
                self.server.state.check_token(query)
            body = json.loads(raw) if raw else {}
            if not isinstance(body, dict):
                raise ApiError(47001, "data format error")
            payload = {"errcode": 0, "errmsg": "ok", **method(query, body)}
        except json.JSONDecodeError:
            payload = {"errcode": 47001, "errmsg": "data format error"}
        except ApiError as error:
            payload = {"errcode": error.errcode, "errmsg": error.errmsg}
        self._send(200, payload)

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def serve(
    state_path: Path | str | dict,
    host: str = "127.0.0.1",
    port: int = 0,
    faults: float = 0.0,
    seed: int = 0,
    as_of: dt.datetime | None = None,
) -> tuple[WeComServer, threading.Thread]:
    """Start the simulator in a background thread; ``port=0`` takes a free port (server.server_port).
    ``as_of`` serves the corp as it was at that moment (default: the end of the simulated window)."""
    data = state_path if isinstance(state_path, dict) else json.loads(Path(state_path).read_text())
    if as_of is not None:
        data = state_at(data, as_of)
    server = WeComServer((host, port), WeComState(data), faults, seed)
    thread = threading.Thread(target=server.serve_forever, name="wecom-simulator", daemon=True)
    thread.start()
    return server, thread
