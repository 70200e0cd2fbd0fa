"""The agents' console: presence, the live queue, the screen-pop and the call-in-hand actions."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Put this feature's services on the app (called by `ivr.web.init_app`)."""
