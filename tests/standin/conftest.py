"""A tiny TwiML app served by a real threaded WSGI server, and a stand-in to call it.

The app checks `X-Twilio-Signature` with Twilio's own RequestValidator and answers 403 when
it does not match, so every test doubles as a signature test.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask, Response, request
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict
from werkzeug.serving import WSGIRequestHandler, make_server

from standin import TwilioStandin  # noqa: E402

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "test-auth-token-88908890"

Page = str | Callable[[MultiDict], str | tuple[str, int]]


@dataclass(frozen=True)
class Hit:
    method: str
    path: str
    url: str
    form: dict[str, str]
    headers: dict[str, str]


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any) -> None:
        pass


class TwimlApp:
    """Pages by path: a TwiML string, or a function of the request's values returning TwiML
    (optionally with a status code). Every validly signed request is kept in `hits`."""

    def __init__(self, auth_token: str) -> None:
        self.validator = RequestValidator(auth_token)
        self.pages: dict[str, Page] = {}
        self.hits: list[Hit] = []
        self.rejected: list[str] = []
        self._lock = threading.Lock()
        self.flask = Flask("twiml-test-app")
        self.flask.add_url_rule("/<path:path>", "page", self._serve, methods=["GET", "POST"])
        self.base_url = ""

    def url(self, path: str) -> str:
        return self.base_url + path

    def hits_to(self, path: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.path == path]

    def _serve(self, path: str) -> Any:
        values = request.form if request.method == "POST" else MultiDict()
        signature = request.headers.get("X-Twilio-Signature", "")
        if not self.validator.validate(request.url, values, signature):
            with self._lock:
                self.rejected.append(request.url)
            return Response("bad signature", status=403)
        hit = Hit(
            request.method,
            "/" + path,
            request.url,
            request.values.to_dict(),
            dict(request.headers),
        )
        with self._lock:
            self.hits.append(hit)
        page = self.pages.get("/" + path)
        if page is None:
            return Response("<Response><Hangup/></Response>", mimetype="text/xml")
        answer = page(request.values) if callable(page) else page
        body, status = answer if isinstance(answer, tuple) else (answer, 200)
        return Response(body, status=status, mimetype="text/xml")


@pytest.fixture
def app() -> Iterator[TwimlApp]:
    twiml_app = TwimlApp(AUTH_TOKEN)
    server = make_server("127.0.0.1", 0, twiml_app.flask, threaded=True, request_handler=_Quiet)
    twiml_app.base_url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield twiml_app
    server.shutdown()
    server.server_close()


@pytest.fixture
def standin() -> Iterator[TwilioStandin]:
    with TwilioStandin(ACCOUNT_SID, AUTH_TOKEN) as running:
        yield running
