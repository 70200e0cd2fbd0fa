"""One HTTP POST of an outbox message (stdlib only): what happened, never an exception."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass

from casework.outbox_config import Destination

# Answers worth trying again: the receiver is busy, confused for now, or timing out.
RETRYABLE_STATUSES = frozenset({408, 409, 425, 429})
USER_AGENT = "hotline88908890-outbox/1"


@dataclass(frozen=True)
class Sent:
    result: str  # delivered | failed (try again) | refused (the receiver rejects it: 4xx)
    http_status: int | None = None
    error: str | None = None


def post(destination: Destination, key: str, body: dict, attempt: int, timeout: float) -> Sent:
    """POST ``body`` as JSON with the message's idempotency key."""
    data = json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Idempotency-Key": key,
        "X-Hotline-Attempt": str(attempt),
        "User-Agent": USER_AGENT,
    }
    if destination.token:
        headers["Authorization"] = f"Bearer {destination.token}"
    request = urllib.request.Request(destination.url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read(65536)
            return Sent("delivered", response.status)
    except urllib.error.HTTPError as exc:
        status = exc.code
        detail = _snippet(exc)
        if 400 <= status < 500 and status not in RETRYABLE_STATUSES:
            return Sent("refused", status, f"HTTP {status}: {detail}")
        return Sent("failed", status, f"HTTP {status}: {detail}")
    except TimeoutError:
        return Sent("failed", None, f"timed out after {timeout:g} s")
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError | socket.timeout):
            return Sent("failed", None, f"timed out after {timeout:g} s")
        return Sent("failed", None, f"unreachable: {reason}")
    except (OSError, ValueError) as exc:  # connection reset, bad URL, …
        return Sent("failed", None, f"{type(exc).__name__}: {exc}")


def _snippet(exc: urllib.error.HTTPError) -> str:
    try:
        text = exc.read(300).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    return text or (exc.reason if isinstance(exc.reason, str) else "")
