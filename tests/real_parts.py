"""Tests use the real parts (Chromium, Vosk and its model, espeak-ng). Where one is missing
a test is skipped, except in a run that must have them all: `scripts/test.sh` (and so CI)
sets HOTLINE_TEST_REQUIRE_ALL=1, and there a missing part fails the test instead."""

from __future__ import annotations

import os

import pytest


def unavailable(reason: str) -> None:
    """Skip the test, or fail it where every real part is required."""
    if os.environ.get("HOTLINE_TEST_REQUIRE_ALL") == "1":
        pytest.fail(f"required for this run: {reason}")
    pytest.skip(reason)
