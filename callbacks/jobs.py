"""The callback job for APScheduler (stored by reference, so it survives restarts)."""

from __future__ import annotations

import logging
from functools import cache

import twilio.rest
from apscheduler.schedulers.base import BaseScheduler

from callbacks.dialer import Dialer
from callbacks.service import Callbacks
from casework.config import load_settings
from casework.service import Casework
from ivr.config import VoiceSettings, load_voice_settings

log = logging.getLogger(__name__)
JOB_ID = "callback-dispatch"
LOCAL_URL = "http://127.0.0.1:8890"


def twilio_client(voice: VoiceSettings) -> twilio.rest.Client:
    """The REST client; HOTLINE_TWILIO_API_URL points it at the local stand-in."""
    client = twilio.rest.Client(voice.account_sid, voice.auth_token)
    if voice.api_base_url:
        client.api.base_url = voice.api_base_url.rstrip("/")
    return client


@cache
def _dialer(database_url: str) -> Dialer:
    voice = load_voice_settings()
    callbacks = Callbacks.build(Casework.from_settings(load_settings()))
    return Dialer(callbacks, twilio_client(voice), voice.public_url or LOCAL_URL)


def run_dispatch(seconds: float = 50) -> int:
    """One run of the job: schedule new callbacks, recover lost attempts, dial what is due."""
    placed = _dialer(load_settings().database_url).run(seconds)
    if placed:
        log.info("callbacks: %s survey calls placed", placed)
    return placed


def ensure_job(scheduler: BaseScheduler, every_seconds: int = 60) -> None:
    if scheduler.get_job(JOB_ID) is None:
        scheduler.add_job(
            "callbacks.jobs:run_dispatch",
            "interval",
            seconds=every_seconds,
            id=JOB_ID,
            name="callback surveys",
        )
