"""Serve the app on a loopback port in a background thread (for `ivr call`, tests, benchmarks)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import make_server


@contextmanager
def serving(app: Flask, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Yield the base URL of ``app`` served by a real multi-threaded WSGI server."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = make_server(host, port, app, threaded=True)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="ivr-app", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
