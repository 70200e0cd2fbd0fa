"""Per-call tokens for the Media Streams websocket.

Stream URLs cannot carry a query string, so the TwiML passes the token as
``<Parameter name="token" value="…"/>``; it arrives in ``start.customParameters``. The
token is an HMAC of the call SID and an expiry time with the app's secret key: the
websocket endpoint checks it against ``start.callSid`` before it opens a recognizer.
"""

from __future__ import annotations

import hashlib
import hmac
import time

__all__ = ["stream_token", "verify_stream_token"]


def _mac(secret: str, call_sid: str, expires: int) -> str:
    message = f"media-stream:{call_sid}:{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def stream_token(secret: str, call_sid: str, *, ttl: float = 3600, now: float | None = None) -> str:
    expires = int((time.time() if now is None else now) + ttl)
    return f"{expires}.{_mac(secret, call_sid, expires)}"


def verify_stream_token(
    secret: str, call_sid: str | None, token: str | None, *, now: float | None = None
) -> bool:
    if not call_sid or not token or not isinstance(token, str) or "." not in token:
        return False
    expires_text, mac = token.split(".", 1)
    if not expires_text.isdigit():
        return False
    expires = int(expires_text)
    if expires < (time.time() if now is None else now):
        return False
    return hmac.compare_digest(mac, _mac(secret, call_sid, expires))
