"""The known week of tests/reports/dataset.py on a fresh database."""

from __future__ import annotations

import pytest

from casework.reports import Period
from tests.reports.dataset import make_week


@pytest.fixture
def week(casework, clock):
    return make_week(casework, clock)


@pytest.fixture
def period() -> Period:
    return Period.parse("2026-11-23", "2026-11-29")
