"""The service objects the app factory put on the current app, by name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from callbacks.service import Callbacks
    from casework.calls import CallLog, ServiceCatalog
    from casework.service import Casework
    from ivr.config import VoiceSettings
    from ivr.prompts import Prompts
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
