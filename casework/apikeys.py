"""API keys of Open311 clients (websites and apps): only the key's SHA-256 is stored."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from casework.db import Database
from casework.lifecycle import InvalidInput, NotFound
from casework.models import utcnow
from casework.outside_models import ApiKey
from casework.service import hash_token

KEY_CHANNELS = ("web", "app")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")


@dataclass(frozen=True)
class ApiClient:
    """Who a valid key belongs to."""

    id: int
    name: str
    channel: str


@dataclass(frozen=True)
class ApiKeyView:
    name: str
    channel: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in asdict(self).items()
        }


class ApiKeys:
    def __init__(self, database: Database, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.db = database
        self.clock = clock

    def add(self, name: str, channel: str = "app") -> str:
        """A new key for a client; returns the key itself, which is never shown again."""
        name = (name or "").strip()
        if not _NAME.match(name):
            raise InvalidInput("name: 2-64 letters, digits, '.', '_' or '-'")
        if channel not in KEY_CHANNELS:
            raise InvalidInput(f"channel must be one of {', '.join(KEY_CHANNELS)}")
        key = secrets.token_urlsafe(32)
        try:
            with self.db.transaction() as s:
                s.add(
                    ApiKey(
                        name=name,
                        key_hash=hash_token(key),
                        channel=channel,
                        created_at=self.clock(),
                    )
                )
        except IntegrityError as exc:
            raise InvalidInput(f"an API key named {name!r} exists already") from exc
        return key

    def list(self) -> list[ApiKeyView]:
        with self.db.transaction() as s:
            rows = s.scalars(select(ApiKey).order_by(ApiKey.name))
            return [
                ApiKeyView(k.name, k.channel, k.created_at, k.revoked_at, k.last_used_at)
                for k in rows
            ]

    def revoke(self, name: str) -> None:
        with self.db.transaction() as s:
            key = s.scalar(select(ApiKey).where(ApiKey.name == name))
            if key is None:
                raise NotFound(f"no API key named {name!r}; see `ivr apikeys list`")
            if key.revoked_at is None:
                key.revoked_at = self.clock()

    def check(self, key: str | None) -> ApiClient | None:
        """The client owning this key if it is valid and not revoked, else None."""
        if not key:
            return None
        with self.db.transaction() as s:
            row = s.scalar(
                select(ApiKey).where(
                    ApiKey.key_hash == hash_token(key), ApiKey.revoked_at.is_(None)
                )
            )
            if row is None:
                return None
            s.execute(update(ApiKey).where(ApiKey.id == row.id).values(last_used_at=self.clock()))
            return ApiClient(row.id, row.name, row.channel)
