"""The Media Streams websocket (``/voice/stream``) and the speech service of the app.

Twilio connects here for each ``<Start><Stream>`` of a listening turn and sends
``connected``, ``start`` (with the ``<Parameter>`` values in ``customParameters``),
``media`` (base64 mu-law, 8 kHz, 20 ms) and ``stop``. A connection whose ``start`` has no
valid token for its call and turn is closed before any recognizer is touched. The audio
goes to the turn's session (:mod:`ivr.voice.listen`); when it has a text, the call is moved
on and the socket closed. Whatever arrives (garbage, a dead socket, endless silence), the
session is closed and its recognizer given back when the handler ends.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from typing import Any

from flask import Flask, current_app
from flask_sock import Sock
from simple_websocket import ConnectionClosed

from ivr.speech import SpeechService, StreamError, verify_stream_token
from ivr.speech.config import VOSK_STREAM
from ivr.voice.listen import STREAM_PATH, Ear, Ears

log = logging.getLogger(__name__)

FIRST_MESSAGES = 4  # `connected`, `start`, and a little slack before giving up
HANDSHAKE_SECONDS = 10.0
POLICY_VIOLATION = 1008
MAX_MESSAGE_BYTES = 64 * 1024


def init_app(app: Flask, speech: SpeechService | None = None) -> SpeechService:
    """Create the speech service (logs its mode), the ears and the websocket route."""
    speech = speech or SpeechService()
    app.extensions["speech"] = speech
    level = logging.INFO if speech.mode == speech.settings.mode else logging.WARNING
    log.log(level, "speech recognition: %s (%s)", speech.mode, speech.reason)
    if speech.mode == VOSK_STREAM:
        app.extensions["ears"] = Ears(speech, app.extensions["voice_settings"])
    app.config.setdefault("SOCK_SERVER_OPTIONS", {"max_message_size": MAX_MESSAGE_BYTES})
    sock = Sock(app)
    sock.route(STREAM_PATH, endpoint="media_stream")(media_stream)
    return speech


def media_stream(ws: Any) -> None:
    ears: Ears | None = current_app.extensions.get("ears")
    secret = current_app.config["SECRET_KEY"]
    if ears is None:
        ws.close(POLICY_VIOLATION, "not in vosk-stream mode")
        return
    opening, start = _read_start(ws)
    if start is None:
        ws.close(POLICY_VIOLATION, "no start event")
        return
    body = start.get("start") if isinstance(start.get("start"), dict) else {}
    params = body.get("customParameters") if isinstance(body.get("customParameters"), dict) else {}
    call_sid, ear_id = body.get("callSid"), params.get("turn")
    token = params.get("token")
    if not isinstance(ear_id, str) or not verify_stream_token(
        secret, f"{call_sid}/{ear_id}", token if isinstance(token, str) else None
    ):
        log.warning("media stream refused: no valid token (call %s)", call_sid)
        ws.close(POLICY_VIOLATION, "invalid token")
        return
    ear = ears.get(ear_id)
    if ear is None or ear.call_sid != call_sid or ear.attached:
        log.warning("media stream refused: turn %s of call %s is not listening", ear_id, call_sid)
        ws.close(POLICY_VIOLATION, "turn not listening")
        return
    ear.attached = True
    try:
        _listen(ws, ears, ear, [*opening, start])
    finally:
        ear.session.close()  # no-op when it has its text; gives the recognizer back otherwise
        with contextlib.suppress(Exception):
            ws.close()


def _read_start(ws: Any) -> tuple[list[dict], dict | None]:
    """The messages before ``start`` and ``start`` itself (None: not within a few messages)."""
    opening: list[dict] = []
    for _ in range(FIRST_MESSAGES):
        try:
            raw = ws.receive(timeout=HANDSHAKE_SECONDS)
        except ConnectionClosed:
            return opening, None
        if raw is None:
            return opening, None
        try:
            message = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return opening, None
        if not isinstance(message, dict):
            return opening, None
        if message.get("event") == "start":
            return opening, message
        if message.get("event") != "connected":
            return opening, None
        opening.append(message)
    return opening, None


def _listen(ws: Any, ears: Ears, ear: Ear, first: list[dict]) -> None:
    session = ear.session
    idle = ears.speech.settings.idle_seconds
    try:
        for message in first:
            session.handle(message)
        ear.started_at = time.monotonic()
        while not session.closed:
            raw = ws.receive(timeout=idle)
            if raw is None:
                log.warning("media stream of %s: no message for %.0f s", ear.call_sid, idle)
                session.reason = "idle"
                return
            if session.closed:  # the turn ended meanwhile (a key, silence, the next turn)
                return
            update = session.handle(raw)
            if update.done:
                log.info(
                    "media stream of %s: %s after %.1f s of audio",
                    ear.call_sid,
                    session.reason,
                    session.audio_seconds,
                )
                # Words move the call on at once; silence waits for the keys' timeout (a
                # long prompt may still be playing), `stop` means the call is leaving.
                if session.text and session.reason != "stop":
                    ears.heard(ear)
                return
    except StreamError as exc:  # the session closed itself; the turn ends as silence
        log.warning("media stream of %s refused: %s", ear.call_sid, exc)
    except ConnectionClosed:
        log.info("media stream of %s closed by Twilio (%s)", ear.call_sid, session.reason)
