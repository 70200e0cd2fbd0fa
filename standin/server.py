"""The REST side of the stand-in: the Calls endpoints the `twilio` client uses, and recordings.

from standin import TwilioStandin, ScriptedCaller, Press

with TwilioStandin() as standin:
    standin.answer("+8613800000000", [Press("1")])
    client = standin.client()          # twilio.rest.Client pointed at the stand-in
    call = client.calls.create(to="+8613800000000", from_="88908890",
                               url="http://127.0.0.1:8890/voice/survey")
    result = standin.wait(call.sid)    # CallResult once the call has ended
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

from flask import Flask, Response, abort, jsonify, request
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from standin import conference
from standin.callers import Caller, ScriptedCaller, Silence, Step
from standin.engine import API_VERSION, CALLBACK_EVENTS, StandinCall, StandinConfig, rfc2822
from standin.result import CallResult

DEFAULT_ACCOUNT_SID = "AC" + "88908890" * 4
DEFAULT_AUTH_TOKEN = "standin-auth-token"
NOT_ANSWERED = ("busy", "no-answer", "failed", "canceled")

# What answers an outbound call: a caller, a factory of callers, a list of steps (a fresh
# ScriptedCaller per call), or one of "busy", "no-answer", "failed", "canceled", "machine",
# "human".
Answer = Caller | Callable[[], Caller] | Iterable[Step] | str


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class TwilioStandin:
    def __init__(
        self,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        quiet: bool = True,
        config: StandinConfig | None = None,
    ) -> None:
        self.config = config or StandinConfig(account_sid, auth_token)
        self.config.account_sid, self.config.auth_token = account_sid, auth_token
        self.host, self.port, self.quiet = host, port, quiet
        self._answers: dict[str, Answer] = {}
        self._calls: dict[str, StandinCall] = {}
        self._lock = threading.Lock()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.app = self._make_app()

    # -- lifecycle -----------------------------------------------------------------------

    @property
    def account_sid(self) -> str:
        return self.config.account_sid

    @property
    def auth_token(self) -> str:
        return self.config.auth_token

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the stand-in is not started")
        return f"http://{self.host}:{self._server.server_port}"

    def start(self) -> TwilioStandin:
        if self._server is None:
            handler = _QuietHandler if self.quiet else WSGIRequestHandler
            self._server = make_server(
                self.host, self.port, self.app, threaded=True, request_handler=handler
            )
            self.config.media_base_url = self.base_url
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="twilio-standin",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> TwilioStandin:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def client(self) -> Any:
        """A `twilio.rest.Client` whose REST requests go to this stand-in."""
        from twilio.rest import Client

        client = Client(self.account_sid, self.auth_token)
        client.api.base_url = self.start().base_url
        return client

    # -- the network's behaviour ---------------------------------------------------------

    @property
    def dial_outcomes(self) -> dict[str, str]:
        """Dialed target -> DialCallStatus ("completed" when absent)."""
        return self.config.dial_outcomes

    @property
    def queue_results(self) -> dict[str, str]:
        """Queue name -> QueueResult after an <Enqueue> wait ("bridged" when absent)."""
        return self.config.queue_results

    def answer(self, to_number: str, caller_or_outcome: Answer) -> None:
        """Decide how outbound calls to `to_number` are answered (default: a person who hangs
        up at the first wait for input)."""
        with self._lock:
            self._answers[to_number] = caller_or_outcome

    def _answerer(self, to: str, detection: str | None) -> tuple[str, Caller, str | None]:
        with self._lock:
            spec = self._answers.get(to, "human")
        machine = spec == "machine"
        if isinstance(spec, str):
            if spec in NOT_ANSWERED:
                return spec, ScriptedCaller(), None
            if spec not in ("machine", "human"):
                raise ValueError(f"unknown answer {spec!r}")
            # A machine listens through its greeting and records; it never presses keys.
            caller: Caller = ScriptedCaller([Silence(), Silence()] if machine else [])
        elif isinstance(spec, Caller) and not isinstance(spec, type):
            caller = spec
        elif callable(spec):
            caller = spec()
        else:
            caller = ScriptedCaller(list(spec))
        answered_by = None
        if detection:
            end_beep = detection.lower() == "detectmessageend"
            answered_by = (
                ("machine_end_beep" if end_beep else "machine_start") if machine else "human"
            )
        return "answered", caller, answered_by

    # -- calls ---------------------------------------------------------------------------

    def _register(self, call: StandinCall) -> StandinCall:
        with self._lock:
            self._calls[call.sid] = call
        return call

    def new_inbound_call(
        self,
        app_voice_url: str,
        from_: str,
        to: str,
        caller: Caller,
        status_callback_url: str | None = None,
        *,
        method: str = "POST",
        status_callback_method: str = "POST",
    ) -> StandinCall:
        """A call into the app, registered (so REST updates reach it) but not yet running."""
        self.start()
        call = StandinCall(
            self.config,
            caller=caller,
            from_=from_,
            to=to,
            direction="inbound",
            url=app_voice_url,
            method=method,
            status_callback=status_callback_url,
            status_callback_method=status_callback_method,
        )
        return self._register(call)

    def inbound_call(
        self,
        app_voice_url: str,
        from_: str,
        to: str,
        caller: Caller,
        status_callback_url: str | None = None,
        **options: str,
    ) -> CallResult:
        """Place a call into the app and drive it to its end in this thread."""
        call = self.new_inbound_call(
            app_voice_url, from_, to, caller, status_callback_url, **options
        )
        return call.run()

    def start_inbound_call(
        self,
        app_voice_url: str,
        from_: str,
        to: str,
        caller: Caller,
        status_callback_url: str | None = None,
        **options: str,
    ) -> StandinCall:
        """Like `inbound_call`, but driven in a background thread; `wait(call.sid)` for it."""
        call = self.new_inbound_call(
            app_voice_url, from_, to, caller, status_callback_url, **options
        )
        threading.Thread(target=call.run, name=f"call-{call.sid}", daemon=True).start()
        return call

    def call(self, call_sid: str) -> StandinCall:
        with self._lock:
            return self._calls[call_sid]

    @property
    def calls(self) -> list[StandinCall]:
        with self._lock:
            return list(self._calls.values())

    def wait(self, call_sid: str, timeout: float = 30.0) -> CallResult:
        call = self.call(call_sid)
        if not call.done.wait(timeout):
            raise TimeoutError(f"call {call_sid} still {call.result.status} after {timeout} s")
        return call.result

    # -- REST ----------------------------------------------------------------------------

    def _make_app(self) -> Flask:
        app = Flask("standin")
        prefix = f"/{API_VERSION}/Accounts/<account_sid>"

        @app.before_request
        def authenticate() -> Any:
            if not request.path.startswith(f"/{API_VERSION}/") or _is_media(request.path):
                return None
            auth = request.authorization
            if (
                auth is None
                or auth.username != self.account_sid
                or auth.password != self.auth_token
            ):
                return _error(401, 20003, "Authenticate")
            if (request.view_args or {}).get("account_sid") not in (None, self.account_sid):
                return _error(404, 20404, "The requested resource was not found")
            return None

        app.add_url_rule(f"{prefix}/Calls.json", "create", self._create, methods=["POST"])
        app.add_url_rule(f"{prefix}/Calls.json", "list", self._list, methods=["GET"])
        app.add_url_rule(f"{prefix}/Calls/<sid>.json", "fetch", self._fetch, methods=["GET"])
        app.add_url_rule(f"{prefix}/Calls/<sid>.json", "update", self._update, methods=["POST"])
        conference.register_routes(app, self, prefix)
        app.add_url_rule(f"{prefix}/Recordings/<sid>.json", "rec_json", self._recording_json)
        app.add_url_rule(f"{prefix}/Recordings/<sid>.wav", "rec_wav", self._recording_media)
        app.add_url_rule(f"{prefix}/Recordings/<sid>", "rec", self._recording_media)
        app.add_url_rule("/recordings/<sid>.wav", "media_wav", self._recording_media)
        app.add_url_rule("/recordings/<sid>", "media", self._recording_media)
        return app

    def _create(self, account_sid: str) -> Any:
        form = request.form
        to, from_ = form.get("To", ""), form.get("From", "")
        url, twiml = form.get("Url"), form.get("Twiml")
        if not to:
            return _error(400, 21201, "No 'To' number is specified")
        if not from_:
            return _error(400, 21213, "No 'From' number is specified")
        if not url and not twiml:
            return _error(400, 21205, "Url parameter is required.")
        events = tuple(
            e for value in form.getlist("StatusCallbackEvent") for e in value.split()
        ) or ("completed",)
        unknown = [e for e in events if e not in CALLBACK_EVENTS]
        if unknown:
            return _error(400, 21626, f"Invalid StatusCallbackEvent: {unknown[0]}")
        outcome, caller, answered_by = self._answerer(to, form.get("MachineDetection"))
        call = StandinCall(
            self.config,
            caller=caller,
            from_=from_,
            to=to,
            direction="outbound-api",
            url=url or None,
            method=form.get("Method", "POST"),
            twiml=twiml,
            status_callback=form.get("StatusCallback") or None,
            status_callback_method=form.get("StatusCallbackMethod", "POST"),
            status_callback_events=events,
            answered_by=answered_by,
        )
        self._register(call)
        body = self._resource(call)
        threading.Thread(
            target=call.run, args=(outcome,), name=f"call-{call.sid}", daemon=True
        ).start()
        return jsonify(body), 201

    def _list(self, account_sid: str) -> Any:
        calls = [self._resource(c) for c in self.calls]
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Calls.json"
        meta = {
            "page": 0,
            "page_size": len(calls),
            "first_page_uri": uri,
            "uri": uri,
            "next_page_uri": None,
            "previous_page_uri": None,
            "start": 0,
            "end": len(calls),
        }
        return jsonify({"calls": calls, **meta})

    def _known(self, sid: str) -> StandinCall:
        with self._lock:
            call = self._calls.get(sid)
        if call is None:
            abort(_error(404, 20404, f"The requested resource /Calls/{sid}.json was not found"))
        return call

    def _fetch(self, account_sid: str, sid: str) -> Any:
        return jsonify(self._resource(self._known(sid)))

    def _update(self, account_sid: str, sid: str) -> Any:
        call = self._known(sid)
        form = request.form
        status, url, twiml = form.get("Status"), form.get("Url"), form.get("Twiml")
        if status and status not in ("completed", "canceled"):
            return _error(400, 21218, f"Invalid Status: {status}")
        live = not call.done.is_set()
        if status == "canceled" and call.result.status == "in-progress":
            status = None  # Twilio cancels only queued or ringing calls
        if (url or twiml) and not (live and call.result.status == "in-progress"):
            return _error(400, 21220, "Call is not in-progress. Cannot redirect.")
        if live and (status or url or twiml):
            call.update(url=url, method=form.get("Method", "POST"), twiml=twiml, status=status)
        return jsonify(self._resource(call))

    def _resource(self, call: StandinCall) -> dict[str, Any]:
        result = call.result
        done = call.done.is_set()
        base = f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{call.sid}"
        return {
            "sid": call.sid,
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "parent_call_sid": None,
            "to": call.to,
            "to_formatted": call.to,
            "from": call.from_,
            "from_formatted": call.from_,
            "phone_number_sid": None,
            "status": result.status,
            "date_created": rfc2822(call.created),
            "date_updated": rfc2822(dt.datetime.now(dt.UTC)),
            "start_time": rfc2822(call.started) if call.started else None,
            "end_time": rfc2822(call.ended) if done and call.ended else None,
            "duration": str(result.duration) if done else None,
            "price": None,
            "price_unit": "USD",
            "direction": result.direction,
            "answered_by": result.answered_by,
            "annotation": None,
            "forwarded_from": None,
            "group_sid": None,
            "caller_name": None,
            "queue_time": "0",
            "trunk_sid": None,
            "uri": f"{base}.json",
            "subresource_uris": {
                "recordings": f"{base}/Recordings.json",
                "notifications": f"{base}/Notifications.json",
                "events": f"{base}/Events.json",
            },
        }

    def _recording_media(self, sid: str, account_sid: str | None = None) -> Any:
        recording = self.config.recordings.get(sid)
        if recording is None:
            return _error(404, 20404, f"Recording {sid} was not found")
        response = Response(recording.wav(), mimetype="audio/x-wav")
        # Headers are latin-1: the UTF-8 text travels percent-encoded.
        response.headers["X-Standin-Text"] = quote(recording.text)
        return response

    def _recording_json(self, account_sid: str, sid: str) -> Any:
        recording = self.config.recordings.get(sid)
        if recording is None:
            return _error(404, 20404, f"Recording {sid} was not found")
        return jsonify(
            {
                "sid": recording.sid,
                "account_sid": recording.account_sid,
                "call_sid": recording.call_sid,
                "duration": str(recording.duration),
                "status": "completed",
                "channels": 1,
                "source": "RecordVerb",
                "date_created": rfc2822(recording.created),
                "api_version": API_VERSION,
                "uri": f"/{API_VERSION}/Accounts/{self.account_sid}/Recordings/{sid}.json",
                "media_url": self.config.recording_url(sid),
                "standin_text": recording.text,
            }
        )


def _is_media(path: str) -> bool:
    return "/Recordings/" in path and not path.endswith(".json")


def _error(status: int, code: int, message: str) -> Response:
    response = jsonify(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }
    )
    response.status_code = status
    return response
