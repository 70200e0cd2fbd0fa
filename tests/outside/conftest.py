"""Outside systems: a real local HTTP receiver, and the outbox pointed at it."""

from __future__ import annotations

import random

import pytest
from outbox_receiver import LEASE, TIMEOUT, Receiver

from casework.outbox import Outbox
from casework.outbox_config import CREDIT, ENFORCEMENT, Destination, OutboxSettings


@pytest.fixture
def receiver():
    with Receiver(hang_seconds=TIMEOUT * 3) as running:
        yield running


@pytest.fixture
def outbox_settings(receiver) -> OutboxSettings:
    return OutboxSettings(
        destinations={
            ENFORCEMENT: Destination(ENFORCEMENT, "执法监督", receiver.url + "/enforcement"),
            CREDIT: Destination(CREDIT, "信用信息公示系统", receiver.url + "/credit", token="t0k"),
        },
        batch=10,
        timeout_seconds=TIMEOUT,
        max_attempts=4,
        backoff_first_seconds=60,
        backoff_max_seconds=600,
        jitter=0.5,
        lease_seconds=LEASE,
    )


@pytest.fixture
def outbox(casework, outbox_settings, clock) -> Outbox:
    return Outbox(casework.db, outbox_settings, clock=clock, rng=random.Random(7))
