"""Speech recognition for the hotline: Vosk on Twilio Media Streams and recordings.

Framework-free: no Flask, no websocket server. Importing this package needs neither
Vosk nor numpy; without them (or without a model) the service runs in ``twilio`` mode
and says why.

Modes (``HOTLINE_SPEECH_MODE``, see :mod:`ivr.speech.config`):

- ``twilio``: ``<Gather input="speech" language="zh-CN">``; nothing here is used.
- ``vosk-stream``: ``<Start><Stream>`` + ``<Pause>``; the websocket handler feeds the
  messages to a :class:`StreamSession`, which ends at Vosk's endpoint, a maximum
  utterance length or a no-speech timeout; then the call is moved on with the REST API.
- ``vosk-record``: ``<Record>``; the recording (fetched with the account's
  credentials) is transcribed with :meth:`SpeechService.transcribe`.

Integration::

    from ivr.speech import SpeechService, StreamError, verify_stream_token

    speech = SpeechService()              # reads the environment once, at app start
    speech.mode, speech.reason            # effective mode and why (log, health page)
    speech.health()                       # dict for the health page

    # websocket handler (vosk-stream): read `connected` and `start` first
    start = message["start"]
    if not verify_stream_token(secret, start["callSid"], start["customParameters"].get("token")):
        close the socket
    session = speech.open_stream(start["callSid"])            # or grammar_session(phrases, sid)
    if session is None: move the call on to a <Gather input="speech"> turn (pool full)
    with session:                         # always gives the recognizer back
        session.handle(connected_message); session.handle(start_message)
        for message in websocket:         # JSON text or dicts
            update = session.handle(message)      # StreamError: refused, session closed
            if update.partial_changed: ...        # update.partial: live text
            if update.done: break                 # update.text: final ("" = nothing heard)
    text, why = session.text, session.reason      # endpoint|no-match|max-length|no-speech|stop|…
    # call `speech.pool.reap()` now and then: closes sessions without events for
    # HOTLINE_SPEECH_IDLE_SECONDS (acquire() does it too).

    # vosk-record
    text = speech.transcribe(wav_bytes)   # PCM or mu-law WAV, any rate

    # closed questions: phrases are checked against the model's words (GrammarError)
    speech.check_grammar(["满意", "不 满意"])      # unknown words, [] when all known
    session = speech.grammar_session(["满意", "不 满意"], call_sid)

Text is Vosk's: words separated by spaces (the Chinese model segments words too), or
"" when nothing was understood; in grammar mode one of the phrases or "".
"""

from ivr.speech.config import MODES, SpeechSettings, load_speech_settings
from ivr.speech.errors import CapacityError, GrammarError, SpeechError, StreamError
from ivr.speech.models import (
    DEFAULT_MODEL,
    LoadedModel,
    ModelError,
    install,
    install_zip,
    list_models,
    load_model,
    models_dir,
    resolve_model,
    vosk_status,
)
from ivr.speech.service import SpeechService, effective_mode
from ivr.speech.tokens import stream_token, verify_stream_token

__all__ = [
    "DEFAULT_MODEL",
    "MODES",
    "CapacityError",
    "GrammarError",
    "LoadedModel",
    "ModelError",
    "RecognizerPool",
    "SpeechError",
    "SpeechService",
    "SpeechSettings",
    "StreamError",
    "StreamSession",
    "StreamUpdate",
    "effective_mode",
    "install",
    "install_zip",
    "list_models",
    "load_model",
    "load_speech_settings",
    "models_dir",
    "resolve_model",
    "stream_token",
    "verify_stream_token",
    "vosk_status",
]

_LAZY = {"RecognizerPool", "StreamSession", "StreamUpdate"}


def __getattr__(name: str):
    # The recognizer module needs numpy: import it only when asked for.
    if name in _LAZY:
        from ivr.speech import recognizer

        return getattr(recognizer, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
