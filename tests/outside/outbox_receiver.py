"""A tiny real HTTP receiver for the outbox tests: a threaded http.server on a loopback port
that answers each POST as scripted (500, a timeout, a 400, or 200) and records what came."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TIMEOUT = 0.5  # the outbox's HTTP timeout in these tests
LEASE = 6.0  # how long a worker holds a claimed message (> timeout × batch)


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: str

    @property
    def key(self) -> str:
        return self.headers.get("Idempotency-Key", "")

    @property
    def json(self) -> dict:
        return json.loads(self.body.decode("utf-8"))


class Receiver:
    """Answers POSTs from a script (``"500"``, ``"timeout"``, ``"400"``, ``"200"``);
    when the script runs out it answers ``default``."""

    def __init__(self, default: str = "200", hang_seconds: float = 2.0) -> None:
        self.default = default
        self.hang_seconds = hang_seconds
        self.script: list[str] = []
        self.received: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802  (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    answer = receiver.script.pop(0) if receiver.script else receiver.default
                    receiver.received.append(
                        Received(self.path, dict(self.headers.items()), body, answer)
                    )
                if answer == "timeout":
                    time.sleep(receiver.hang_seconds)
                    answer = "200"  # too late: the sender has given up
                try:
                    self.send_response(int(answer))
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"ok": true}' if answer == "200" else b'{"error": "x"}')
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/records"

    def answer(self, *answers: str) -> None:
        with self._lock:
            self.script.extend(answers)

    def keys(self) -> list[str]:
        return [r.key for r in self.received]

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
