"""What a stand-in call did, kept for tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Exchange:
    """One HTTP request the stand-in made to the app, and the app's answer.

    `status` is 0 and `body` holds the error when no answer came (connection refused, timeout).
    `purpose` says why it was sent: "webhook", "action", "redirect", "update", "whisper",
    "wait-url", "status-callback", "recording-status-callback".
    """

    method: str
    url: str
    form: dict[str, str]
    status: int
    body: str
    purpose: str
    retry: bool = False
    elapsed: float = 0.0  # seconds from sending the request to reading the whole answer

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class CallResult:
    call_sid: str
    direction: str = "inbound"
    # Final CallStatus: completed, busy, no-answer, failed, canceled (in-progress while live).
    status: str = "queued"
    # Every prompt in the order heard: {"kind": "say"|"play"|"whisper"|"beep"|"system", ...}.
    prompts: list[dict[str, Any]] = field(default_factory=list)
    # Every dial target: {"kind": "number"|"client"|"conference"|"queue"|"sip", ...,
    # "outcome": DialCallStatus}.
    dialed: list[dict[str, Any]] = field(default_factory=list)
    # Every <Enqueue>: {"queue": name, "result": QueueResult, ...}.
    enqueued: list[dict[str, Any]] = field(default_factory=list)
    # Every <Start>/<Connect> <Stream>: {"mode": "start"|"connect", "url", "parameters", ...}.
    streams: list[dict[str, Any]] = field(default_factory=list)
    # Recordings made by <Record>: {"sid", "url", "duration", "text"}.
    recordings: list[dict[str, Any]] = field(default_factory=list)
    # Caller inputs as delivered: {"verb": "gather"|"record"|..., "step": repr, ...}.
    inputs: list[dict[str, Any]] = field(default_factory=list)
    requests: list[Exchange] = field(default_factory=list)
    # {"kind": "application-error"|"unknown-verb"|"invalid-twiml"|..., "detail": ..., ...}
    errors: list[dict[str, Any]] = field(default_factory=list)
    # Simulated call length in seconds (speech, pauses, recordings, bridged legs).
    duration: int = 0
    answered_by: str | None = None
    # How the call ended: "hangup" (<Hangup>), "reject", "caller-hangup", "end-of-document",
    # "bridged-party-hangup", "application-error", "updated", "not-answered".
    end_reason: str = ""

    @property
    def application_errors(self) -> list[dict[str, Any]]:
        return [e for e in self.errors if e["kind"] == "application-error"]

    @property
    def texts(self) -> list[str]:
        """Texts of the spoken prompts (say and whisper), in order."""
        return [p["text"] for p in self.prompts if p.get("text")]

    def requests_for(self, purpose: str) -> list[Exchange]:
        return [r for r in self.requests if r.purpose == purpose]

    @property
    def status_callbacks(self) -> list[Exchange]:
        return self.requests_for("status-callback")
