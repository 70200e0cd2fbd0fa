"""The workbench under a real threaded WSGI server, with unit users and their cases."""

from __future__ import annotations

import re

import pytest
import requests

from casework.users import Users
from ivr.app import create_app
from ivr.local_server import serving

PASSWORDS = {"water": "water-pass-2026", "power": "power-pass-2026", "agent": "agent-pass-2026"}


@pytest.fixture
def users(casework) -> Users:
    service = Users(casework.db, casework.clock)
    service.create("water", PASSWORDS["water"], "unit", "utility.water")
    service.create("power", PASSWORDS["power"], "unit", "utility.power")
    service.create("agent", PASSWORDS["agent"], "agent")
    return service


@pytest.fixture
def app(casework, users):
    return create_app(casework=casework)


@pytest.fixture
def base_url(app):
    with serving(app) as url:
        yield url


def _csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def csrf_of():
    """The CSRF token in a page's forms."""
    return _csrf_of


@pytest.fixture
def sign_in(base_url):
    """A `requests` session signed in through the login form, as a browser would."""

    def sign_in(username: str, password: str | None = None) -> requests.Session:
        http = requests.Session()
        page = http.get(f"{base_url}/login", timeout=10)
        response = http.post(
            f"{base_url}/login",
            data={
                "username": username,
                "password": password or PASSWORDS[username],
                "csrf_token": _csrf_of(page.text),
            },
            timeout=10,
        )
        assert response.history and "/login" not in response.url, response.text
        return http

    return sign_in
