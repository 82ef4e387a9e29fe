"""A local WeCom group robot webhook: records each message and answers as WeCom does.

https://developer.work.weixin.qq.com/document/path/91770 (POST /cgi-bin/webhook/send?key=KEY).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Robot(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append({"path": self.path, "body": body})
        answer = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def serve_robot() -> ThreadingHTTPServer:
    Robot.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Robot)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def robot_connection(server: ThreadingHTTPServer, key: str = "robot-key") -> str:
    return json.dumps({"conn_type": "http", "host": "127.0.0.1", "port": server.server_port, "password": key})


def messages(text: str) -> list[str]:
    contents = [m["body"]["markdown"]["content"] for m in Robot.received]
    return [c for c in contents if text in c]
