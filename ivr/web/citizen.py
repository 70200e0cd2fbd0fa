"""The citizens' web form: text through the same nlu, a reference number or the right advice."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Put this feature's services on the app (called by `ivr.web.init_app`)."""
