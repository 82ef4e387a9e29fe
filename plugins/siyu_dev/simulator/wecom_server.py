"""`siyu serve-wecom`: a real HTTP server on loopback that answers like WeCom's API, as strictly.

Paths, HTTP methods, parameters, limits and JSON shapes follow the WeCom server API reference
(developer.work.weixin.qq.com, the page cited on each handler); where the simulator and the docs
differ, the simulator is wrong. Every body has ``errcode``/``errmsg``; the access_token is a query
parameter and the same token is returned while it is valid; list endpoints page with an opaque cursor.
Two apps answer: the corp's self-built customer-contact app (DEMO_SECRET) and a 代开发 app
(DEMO_IDCONVERT_SECRET), the only kind the ID conversion accepts. Per-API rate limits per minute and
per hour block the API for a minute / an hour once exceeded. With ``faults`` > 0 a share of requests
fail the ways the real API does: busy (-1), rate limits (45009, 45033), a token expiring mid-run
(42001), 5xx, slow answers and dropped connections. ``mark_tag`` changes the served state, so tag sync
can be verified against it; ``dismiss_on_list`` / ``delete_on_list`` make a chat or a contact way vanish
between the list call and the get call, as a live corp does.
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

from siyu_dev.simulator.timeline import as_epoch, state_at

DEMO_CORPID = "wwsiyudemo0000001"
DEMO_SECRET = "siyu-demo-secret"
DEMO_IDCONVERT_SECRET = "siyu-demo-idconvert-secret"  # the 代开发 app's
APPS = {DEMO_SECRET: "self_built", DEMO_IDCONVERT_SECRET: "customized"}
TOKEN_TTL = 7200
PREFIX = "/cgi-bin/"
INVALID_UNIONID = 40003  # the simulator's answer to a (unionid, openid) pair it does not know
DAY = 86400
PENDING_LIFETIME = 90 * DAY  # document/path/97108: a pending_id is valid 90 days
# document/path/92228: the default window is the last 90 days; the page gives no longest span, so the
# simulator takes the stricter reading (a span over 90 days errs) and the client walks 90-day windows
CONTACT_WAY_WINDOW = 90 * DAY
# https://developer.work.weixin.qq.com/document/path/96212 (频率限制): one corp may call one API at
# most 10,000 times a minute and 150,000 an hour; past either the API is blocked for a minute / an hour.
DEFAULT_LIMITS = (10_000, 150_000)
VISIBLE_STAFF_LIMIT = 1000  # groupchat/list without owner_filter errs 81017 past this (document/path/92120)


def unpaced_rates() -> dict[str, float]:
    """Client rates for this simulator: no API waits on WeCom's pace (the ID conversion's 100,000 an
    hour, tag writes, behaviour reads), yet each stays under the per-minute limit (10,000), which
    blocks an API for a minute as WeCom does."""
    from siyu.sources.wecom.client import RATES

    return {path: DEFAULT_LIMITS[0] / 60 * 0.95 for path in RATES}


class ApiError(Exception):
    def __init__(self, errcode: int, errmsg: str):
        super().__init__(errmsg)
        self.errcode, self.errmsg = errcode, errmsg


def _limit(body: dict, default: int, most: int, clamp: bool) -> int:
    """A page size: where the docs clamp, an oversized one is cut to the maximum; else it errs."""
    limit = int(body.get("limit") or default)
    if limit > most and clamp:
        return most
    if not 1 <= limit <= most:
        raise ApiError(40058, f"limit must be between 1 and {most}")
    return limit


def _page(items: list, body: dict, limit: int) -> tuple[list, str]:
    cursor = body.get("cursor") or ""
    try:
        offset = int(cursor.removeprefix("CUR")) if cursor else 0
    except ValueError:
        raise ApiError(40058, "invalid cursor") from None
    chunk = items[offset : offset + limit]
    more = offset + limit < len(items)
    return chunk, f"CUR{offset + limit}" if more else ""


class RateLimits:
    """Calls per API per minute and per hour; past a limit the API answers 45009 until its block ends."""

    def __init__(self, limits: dict[str, tuple[int, int]] | None = None):
        self.limits = limits or {}
        self.calls: dict[tuple[str, str, int], int] = Counter()
        self.blocked_until: dict[str, float] = {}
        self.lock = threading.Lock()

    def check(self, path: str) -> None:
        per_minute, per_hour = self.limits.get(path, DEFAULT_LIMITS)
        now = time.time()
        with self.lock:
            if self.blocked_until.get(path, 0) > now:
                raise ApiError(45009, "api freq out of limit (blocked)")
            minute, hour = ("m", path, int(now // 60)), ("h", path, int(now // 3600))
            self.calls[minute] += 1
            self.calls[hour] += 1
            if self.calls[hour] > per_hour:
                self.blocked_until[path] = now + 3600
            elif self.calls[minute] > per_minute:
                self.blocked_until[path] = now + 60
            else:
                return
        raise ApiError(45009, "api freq out of limit")


def _euid(contact: dict) -> str:
    return contact["external_contact"].get("external_userid", "")


class WeComState:
    """The corp's data as served, indexed for the API's lookups. Thread-safe for mark_tag.

    ``now`` is the moment the corp is served as of (epoch; default: the wall clock), which the 90-day
    windows count from; tokens and rate limits run on the wall clock."""

    def __init__(
        self,
        state: dict,
        corpid: str = DEMO_CORPID,
        apps: dict[str, str] | None = None,
        now: float | None = None,
        limits: dict[str, tuple[int, int]] | None = None,
        visible_staff_limit: int = VISIBLE_STAFF_LIMIT,
    ):
        self.corpid, self.apps = corpid, dict(APPS if apps is None else apps)
        self.data = state
        self.now = now
        self.lock = threading.Lock()
        self.tokens: dict[str, tuple[float, str]] = {}  # token → (expiry, app kind)
        self.app_tokens: dict[str, str] = {}  # secret → its current token
        self.rate_limits = RateLimits(limits)
        self.visible_staff_limit = visible_staff_limit
        self.dismiss_on_list: set[str] = set()
        self.delete_on_list: set[str] = set()
        self.pending_issued: dict[str, float] = {}  # unionid → when its pending_id was first given
        self.by_staff: dict[str, list[tuple[dict, dict]]] = {}
        self.follow_index: dict[tuple[str, str], dict] = {}
        for contact in state["contacts"]:
            for follow in contact["follow_user"]:
                self.by_staff.setdefault(follow["userid"], []).append((contact, follow))
                # .get: a test may serve a malformed contact, to see the client cope
                self.follow_index[follow["userid"], _euid(contact)] = follow
        for pairs in self.by_staff.values():
            pairs.sort(key=lambda cf: (cf[1]["createtime"], _euid(cf[0])))
        self.chats = {c["chat_id"]: c for c in state["group_chats"]}
        self.ways = {w["config_id"]: w for w in state["contact_ways"]}
        self.tag_ids = {t["id"] for g in state["tag_groups"] for t in g["tag"]}
        self.unionid_index: dict[str, dict] = state.get("unionid_index", {})
        self.unionid_by_external = {
            v["external_userid"]: u for u, v in self.unionid_index.items() if v["external_userid"]
        }
        self.wechat_contacts = {  # WeChat users among the contacts (type 1): the ones a unionid maps to
            c["external_contact"].get("external_userid")
            for c in state["contacts"]
            if c["external_contact"]["type"] == 1
        }

    def clock(self) -> float:
        return time.time() if self.now is None else self.now

    # --- auth (GET gettoken, document/path/91039) -------------------------------------------
    def gettoken(self, query: dict, body: dict) -> dict:
        if query.get("corpid") != self.corpid:
            raise ApiError(40013, "invalid corpid")
        secret = query.get("corpsecret")
        if secret not in self.apps:
            raise ApiError(40001, "invalid credential")
        with self.lock:  # "repeated calls within the validity return the same token"
            token = self.app_tokens.get(secret)
            if token is None or self.tokens[token][0] <= time.time():
                token = "tok" + "".join(random.choice("0123456789abcdef") for _ in range(32))
                self.tokens[token] = (time.time() + TOKEN_TTL, self.apps[secret])
                self.app_tokens[secret] = token
            expires_in = int(self.tokens[token][0] - time.time())
        return {"access_token": token, "expires_in": expires_in}

    def check_token(self, query: dict) -> str:
        """The calling app's kind."""
        token = query.get("access_token")
        if not token:
            raise ApiError(41001, "access_token missing")
        entry = self.tokens.get(token)
        if entry is None:
            raise ApiError(40014, "invalid access_token")
        if entry[0] < time.time():
            raise ApiError(42001, "access_token expired")
        return entry[1]

    def expire_tokens(self) -> None:
        with self.lock:
            for token, (_, kind) in self.tokens.items():
                self.tokens[token] = (0, kind)

    # --- external contacts ----------------------------------------------------------------
    def get_follow_user_list(self, query: dict, body: dict) -> dict:
        """document/path/92571"""
        return {"follow_user": list(self.data["follow_user_list"])}

    def batch_get_by_user(self, query: dict, body: dict) -> dict:
        """document/path/93010: 1-100 userids; limit at most 100 (a larger one is cut to 100), default 50."""
        userids = body.get("userid_list") or []
        if not userids or len(userids) > 100:
            raise ApiError(40058, "userid_list must hold 1 to 100 userids")
        items = [(c, f) for u in userids for c, f in self.by_staff.get(u, [])]
        chunk, cursor = _page(items, body, _limit(body, 50, 100, clamp=True))
        with self.lock:  # mark_tag may be changing tag lists
            result = [
                {
                    "external_contact": dict(c["external_contact"]),
                    "follow_info": {**{k: v for k, v in f.items()}, "tag_id": list(f["tag_id"])},
                }
                for c, f in chunk
            ]
        return {"external_contact_list": result, "next_cursor": cursor}

    def get_unassigned_list(self, query: dict, body: dict) -> dict:
        """document/path/92124: customers of resigned staff awaiting transfer; page_size at most 1000."""
        rows = [u for u in self.data.get("unassigned", []) if u["dimission_time"] <= self.clock()]
        size = min(int(body.get("page_size") or 1000), 1000)
        chunk, cursor = _page(rows, body, size)
        return {"info": chunk, "is_last": not cursor, "next_cursor": cursor}

    def mark_tag(self, query: dict, body: dict) -> dict:
        """document/path/92118"""
        key = (body.get("userid"), body.get("external_userid"))
        follow = self.follow_index.get(key)  # type: ignore[arg-type]
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
        """document/path/92117: no ids, the live library; ``group_id`` wins over ``tag_id``; ``deleted``
        is answered only when ids are passed, and only then are deleted tags listed."""
        groups = self.data["tag_groups"] + self.data.get("deleted_tag_groups", [])
        group_ids, tag_ids = body.get("group_id") or [], body.get("tag_id") or []
        if not group_ids and not tag_ids:
            return {
                "tag_group": [
                    self._tag_group(g, lambda t: not t.get("deleted"), False) for g in self.data["tag_groups"]
                ]
            }
        if group_ids:
            picked = [self._tag_group(g, lambda t: True, True) for g in groups if g["group_id"] in group_ids]
        else:
            picked = [self._tag_group(g, lambda t: t["id"] in tag_ids, True) for g in groups]
        return {"tag_group": [g for g in picked if g["tag"]]}

    @staticmethod
    def _tag_group(group: dict, keep: Callable[[dict], bool], with_deleted: bool) -> dict:
        tags = [
            {
                **{k: v for k, v in t.items() if k != "deleted"},
                **({"deleted": bool(t.get("deleted"))} if with_deleted else {}),
            }
            for t in group["tag"]
            if keep(t)
        ]
        return {**group, "tag": tags}

    def get_strategy_tag_list(self, query: dict, body: dict) -> dict:
        """document/path/94882: the rule groups' tags, with their strategy_id."""
        return {"tag_group": list(self.data.get("strategy_tag_groups", []))}

    # --- customer groups ------------------------------------------------------------------
    def groupchat_list(self, query: dict, body: dict) -> dict:
        """document/path/92120: status_filter 0 lists every status; without owner_filter only the chats
        of staff in the app's visibility (never resigned ones), and 81017 past its limit; owner_filter
        holds at most 100 userids; limit 1-1000 (errs outside)."""
        owners = (body.get("owner_filter") or {}).get("userid_list") or []
        if len(owners) > 100:
            raise ApiError(40058, "owner_filter.userid_list holds at most 100 userids")
        if not owners:
            visible = self.data["follow_user_list"]
            if len(visible) > self.visible_staff_limit:
                raise ApiError(81017, "too many visible staff, use owner_filter")
            owners = visible
        wanted = int(body.get("status_filter") or 0)
        chats = [
            c
            for c in self.data["group_chats"]
            if c["owner"] in owners and (wanted == 0 or self._status(c) == wanted)
        ]
        chunk, cursor = _page(chats, body, _limit(body, 0, 1000, clamp=False))
        with self.lock:
            for c in chunk:
                if c["chat_id"] in self.dismiss_on_list:
                    self.chats.pop(c["chat_id"], None)
        return {
            "group_chat_list": [{"chat_id": c["chat_id"], "status": self._status(c)} for c in chunk],
            "next_cursor": cursor,
        }

    def _status(self, chat: dict) -> int:
        """Served as of a moment before the owner resigned, the chat was still a normal one."""
        return 0 if chat["owner"] in self.data["follow_user_list"] else chat.get("status", 0)

    def groupchat_get(self, query: dict, body: dict) -> dict:
        """document/path/92122: no status; member ``state`` and the chat's ``member_version``."""
        chat = self.chats.get(body.get("chat_id"))
        if chat is None:
            raise ApiError(40050, "chatid not exist")
        need_name = bool(body.get("need_name"))
        members = [
            m if need_name else {k: v for k, v in m.items() if k != "name"} for m in chat["member_list"]
        ]
        version = hashlib.md5(json.dumps(members, sort_keys=True).encode()).hexdigest()
        detail = {k: v for k, v in chat.items() if k != "status"}
        return {"group_chat": {**detail, "member_list": members, "member_version": version}}

    # --- contact ways (document/path/92228) -----------------------------------------------
    def list_contact_way(self, query: dict, body: dict) -> dict:
        """Without start_time/end_time the last 90 days only; a window spans at most 90 days; limit at
        most 1000 (cut), default 100."""
        end = int(body.get("end_time") or self.clock())
        start = int(body.get("start_time") or end - CONTACT_WAY_WINDOW)
        if end < start or end - start > CONTACT_WAY_WINDOW:
            raise ApiError(40058, "start_time and end_time must span at most 90 days")
        ways = [w for w in self.data["contact_ways"] if start <= w.get("create_time", 0) <= end]
        chunk, cursor = _page(ways, body, _limit(body, 100, 1000, clamp=True))
        with self.lock:
            for w in chunk:
                if w["config_id"] in self.delete_on_list:
                    self.ways.pop(w["config_id"], None)
        return {"contact_way": [{"config_id": w["config_id"]} for w in chunk], "next_cursor": cursor}

    def get_contact_way(self, query: dict, body: dict) -> dict:
        way = self.ways.get(body.get("config_id"))
        if way is None:
            raise ApiError(41044, "invalid config_id")
        return {"contact_way": {k: v for k, v in way.items() if k != "create_time"}}

    # --- staff behaviour (document/path/92132) --------------------------------------------
    def get_user_behavior_data(self, query: dict, body: dict) -> dict:
        userids = body.get("userid") or []
        start, end = int(body.get("start_time", 0)), int(body.get("end_time", 0))
        if not userids or len(userids) > 100 or end < start or end - start > 30 * DAY:
            raise ApiError(40058, "1-100 userids; end_time - start_time within 30 days")
        days: dict[int, dict] = {}
        for userid in userids:  # several users: the API sums them per day
            for row in self.data["behavior"].get(userid, []):
                if start <= row["stat_time"] <= end:
                    day = days.setdefault(row["stat_time"], Counter())
                    day.update({k: v for k, v in row.items() if k != "stat_time"})
        return {"behavior_data": [{"stat_time": t, **dict(v)} for t, v in sorted(days.items())]}

    # --- ID conversion (document/path/97108) ----------------------------------------------
    def unionid_to_external_userid(self, query: dict, body: dict) -> dict:
        """The corp's external_userid of a WeChat user given the unionid and openid their
        mini-program got; a pending_id (valid 90 days) while they are not a customer."""
        unionid, openid = body.get("unionid"), body.get("openid")
        if not unionid or not openid:
            raise ApiError(40058, "unionid and openid are required")
        known = self.unionid_index.get(unionid)
        if known is None or known["openid"] != openid:
            raise ApiError(INVALID_UNIONID, "invalid unionid or openid")
        external_userid = known["external_userid"]
        if external_userid in self.wechat_contacts:
            return {"external_userid": external_userid}
        with self.lock:  # asked again after it expired: a new 90 days
            issued = self.pending_issued.get(unionid)
            if issued is None or issued + PENDING_LIFETIME <= self.clock():
                self.pending_issued[unionid] = self.clock()
        return {"pending_id": self._pending_id(unionid)}

    def external_userid_to_pending_id(self, query: dict, body: dict) -> dict:
        """For contacts who became customers after their unionid was converted, the pending_id that
        conversion returned, while it lives (90 days). The simulator remembers the conversions it
        answered itself; of a unionid converted before it started it assumes a pending_id of today."""
        externals = body.get("external_userid") or []
        if not externals or len(externals) > 100:
            raise ApiError(40058, "external_userid must hold 1 to 100 ids")
        result = []
        for e in externals:
            unionid = self.unionid_by_external.get(e)
            if e not in self.wechat_contacts or unionid is None:
                continue
            issued = self.pending_issued.get(unionid, self.clock())
            if issued + PENDING_LIFETIME > self.clock():
                result.append({"external_userid": e, "pending_id": self._pending_id(unionid)})
        return {"result": result}

    def _pending_id(self, unionid: str) -> str:
        return "pd" + hashlib.sha256(f"{self.corpid}:{unionid}".encode()).hexdigest()[:30]

    def require_app(self, path: str, kind: str) -> None:
        """document/path/97108: the ID conversion takes a third-party or 代开发 app's token only."""
        if path.startswith("idconvert/") and kind != "customized":
            raise ApiError(48002, "api forbidden")


# path → (HTTP method, handler). The docs give each API one method; another gets 43001 / 43002.
ROUTES: dict[str, tuple[str, str]] = {
    "gettoken": ("GET", "gettoken"),
    "externalcontact/get_follow_user_list": ("GET", "get_follow_user_list"),
    "externalcontact/batch/get_by_user": ("POST", "batch_get_by_user"),
    "externalcontact/get_unassigned_list": ("POST", "get_unassigned_list"),
    "externalcontact/mark_tag": ("POST", "mark_tag"),
    "externalcontact/get_corp_tag_list": ("POST", "get_corp_tag_list"),
    "externalcontact/get_strategy_tag_list": ("POST", "get_strategy_tag_list"),
    "externalcontact/groupchat/list": ("POST", "groupchat_list"),
    "externalcontact/groupchat/get": ("POST", "groupchat_get"),
    "externalcontact/list_contact_way": ("POST", "list_contact_way"),
    "externalcontact/get_contact_way": ("POST", "get_contact_way"),
    "externalcontact/get_user_behavior_data": ("POST", "get_user_behavior_data"),
    "idconvert/unionid_to_external_userid": ("POST", "unionid_to_external_userid"),
    "idconvert/batch/external_userid_to_pending_id": ("POST", "external_userid_to_pending_id"),
}
WRONG_METHOD = {"GET": (43001, "require GET request"), "POST": (43002, "require POST request")}
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

    def log_message(self, format: str, *args) -> None:  # keep tokens out of stderr
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        path = url.path.removeprefix(PREFIX)
        if path not in ROUTES:
            return self._send(404, {"errcode": 404, "errmsg": "not found"})
        http_method, name = ROUTES[path]
        fault = self.server.draw_fault(path)
        if fault == "drop":
            self.close_connection = True
            self.connection.close()
            return
        if fault == "5xx":
            return self._send(502, {"errcode": -1, "errmsg": "bad gateway"})
        if fault == "slow":
            time.sleep(0.3)
        state = self.server.state
        try:
            if self.command != http_method:
                raise ApiError(*WRONG_METHOD[http_method])
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
            state.rate_limits.check(path)
            if path != "gettoken":
                if fault == "expire":
                    state.expire_tokens()
                state.require_app(path, state.check_token(query))
            body = json.loads(raw) if raw else {}
            if not isinstance(body, dict):
                raise ApiError(47001, "data format error")
            payload = {"errcode": 0, "errmsg": "ok", **getattr(state, name)(query, body)}
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
    **options,
) -> tuple[WeComServer, threading.Thread]:
    """Start the simulator in a background thread; ``port=0`` takes a free port (server.server_port).
    ``as_of`` serves the corp as it was at that moment (default: the end of the simulated window, and
    the 90-day windows count from the wall clock). ``options`` go to WeComState (apps, limits, ...)."""
    data = state_path if isinstance(state_path, dict) else json.loads(Path(state_path).read_text())
    if as_of is not None:
        data = state_at(data, as_of)
        options.setdefault("now", float(as_epoch(as_of)))
    server = WeComServer((host, port), WeComState(data, **options), faults, seed)
    thread = threading.Thread(target=server.serve_forever, name="wecom-simulator", daemon=True)
    thread.start()
    return server, thread
