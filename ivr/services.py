"""The service objects the app factory put on the current app, by name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from twilio.rest import Client as TwilioClient

    from callbacks.service import Callbacks
    from casework.agents import AgentDesk
    from casework.calls import CallLog, ServiceCatalog
    from casework.reports.service import Reports
    from casework.service import Casework
    from ivr.config import TransferSettings, VoiceSettings
    from ivr.prompts import Prompts
    from ivr.speech import SpeechService
    from nlu import Classifier


def casework() -> Casework:
    return current_app.extensions["casework"]


def calllog() -> CallLog:
    return current_app.extensions["calllog"]


def classifier() -> Classifier:
    return current_app.extensions["classifier"]


def prompts() -> Prompts:
    return current_app.extensions["prompts"]


def voice_settings() -> VoiceSettings:
    return current_app.extensions["voice_settings"]


def catalog() -> ServiceCatalog:
    return current_app.extensions["service_catalog"]


def callbacks() -> Callbacks:
    return current_app.extensions["callbacks"]


def agent_desk() -> AgentDesk:
    return current_app.extensions["agent_desk"]


def transfer_settings() -> TransferSettings:
    return current_app.extensions["transfer_settings"]


def twilio_rest() -> TwilioClient:
    """The REST client (HOTLINE_TWILIO_API_URL points it at the local stand-in)."""
    return current_app.extensions["twilio_rest"]


def speech() -> SpeechService:
    return current_app.extensions["speech"]


def reports() -> Reports:
    """The supervisors' reports (figures, lists, topics, scores) on this app's database."""
    return current_app.extensions["reports"]
