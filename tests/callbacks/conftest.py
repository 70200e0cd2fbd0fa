"""Survey calls end to end: the app under a real server, the real `twilio` client pointed at
the local stand-in, which calls the citizen (scripted) and sends status callbacks."""

from __future__ import annotations

import pytest

from callbacks.dialer import Dialer
from casework.service import Who

CITIZEN = "13812345678"


@pytest.fixture
def callbacks(app):
    return app.extensions["callbacks"]


@pytest.fixture
def dialer(callbacks, standin, app_url):
    return Dialer(callbacks, standin.client(), app_url, worker="test")


@pytest.fixture
def resolved_case(casework, clock):
    """A help request resolved on Wednesday 25 November 2026 at 15:00 (Beijing)."""

    def make(number: str = CITIZEN) -> str:
        clock.set("2026-11-25 10:00")
        case = casework.create_case(
            text="小区停水了", label="help_request", caller=number, units=["utility.water"]
        )
        water = Who.unit_user("utility.water")
        casework.accept(case.ref, water)
        clock.set("2026-11-25 15:00")
        casework.resolve(case.ref, "已恢复供水", water)
        return case.ref

    return make


@pytest.fixture
def survey(dialer, standin, callbacks, clock):
    """Dial every due callback once at ``at`` (Beijing) and wait for the calls to end."""

    def run(at: str = "2026-11-26 09:30"):
        clock.set(at)
        callbacks.store.schedule_new()
        before = {c.sid for c in standin.calls}
        placed = dialer.dispatch_once()
        results = [standin.wait(c.sid, timeout=30) for c in standin.calls if c.sid not in before]
        assert len(results) == placed
        return results

    return run
