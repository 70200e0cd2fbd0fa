"""Access to the service objects the app factory put on the current app."""

from flask import current_app

from casework.service import Casework


def casework() -> Casework:
    return current_app.extensions["casework"]
