"""Place due survey calls through the `twilio` REST client, within the caps."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
from dataclasses import dataclass

from twilio.base.exceptions import TwilioException

from callbacks.service import Callbacks

log = logging.getLogger(__name__)
EVENTS = ["initiated", "ringing", "answered", "completed"]
DIAL_ERROR_RETRY = dt.timedelta(minutes=5)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Dialer:
    callbacks: Callbacks
    client: object  # twilio.rest.Client
    base_url: str  # absolute URL of this service, as Twilio reaches it
    worker: str = ""

    def dispatch_once(self) -> int:
        """Claim what the caps allow right now and dial it; returns calls placed."""
        store = self.callbacks.store
        placed = 0
        for claimed in store.claim(self.worker or worker_name()):
            url = f"{self.base_url}/voice/survey-start?cb={claimed.id}"
            try:
                call = self.client.calls.create(
                    to=claimed.to_number,
                    from_=store.settings.from_number,
                    url=url,
                    method="POST",
                    status_callback=f"{self.base_url}/voice/survey-status?cb={claimed.id}",
                    status_callback_event=EVENTS,
                    status_callback_method="POST",
                    machine_detection="Enable",
                    timeout=30,
                )
            except (TwilioException, OSError) as exc:
                log.error(
                    "callback %s: the call could not be placed, retrying in %s: %s",
                    claimed.id,
                    DIAL_ERROR_RETRY,
                    exc,
                )
                store.release(claimed.id, DIAL_ERROR_RETRY)
                continue
            store.attach_call(claimed.id, call.sid)
            placed += 1
        return placed

    def run(self, seconds: float) -> int:
        """Schedule, recover, and dial for up to ``seconds`` (a second per round, for the
        calls-per-second cap); stops early when nothing is due."""
        store = self.callbacks.store
        store.schedule_new()
        self.callbacks.recover_stale()
        deadline, placed = time.monotonic() + seconds, 0
        while time.monotonic() < deadline:
            round_started = time.monotonic()
            this_round = self.dispatch_once()
            placed += this_round
            if this_round == 0 and not self._due_now():
                break
            time.sleep(max(0.0, 1.0 - (time.monotonic() - round_started)))
        return placed

    def _due_now(self) -> bool:
        store = self.callbacks.store
        now = store.clock()
        return store.hours.is_open(now) and store.due_count(now) > 0
