"""People who log in to the back office: hashed passwords, a role, and a unit for unit users.

The model lives on ``casework.models.Base`` so the migrations see it (the
migrations' env imports this module). `Users` is the small service around it:
plain values out, one transaction per call, errors from `casework.lifecycle`.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Boolean, ForeignKey, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from casework.db import Database
from casework.lifecycle import InvalidInput, NotFound
from casework.models import Base, Unit, utcnow

ROLES = ("agent", "supervisor", "unit", "admin")
ROLE_NAMES = {"agent": "坐席", "supervisor": "班长", "unit": "承办单位", "admin": "管理员"}
MIN_PASSWORD = 8
MAX_PASSWORD = 256
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    unit_code: Mapped[str | None] = mapped_column(ForeignKey("units.code"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None]


@dataclass(frozen=True)
class UserView:
    """A user as the app sees it; never the password hash itself."""

    id: int
    username: str
    role: str
    unit: str | None
    active: bool
    created_at: dt.datetime
    last_login_at: dt.datetime | None
    stamp: str  # changes when the password changes: signed-in sessions end

    @classmethod
    def of(cls, user: User) -> UserView:
        return cls(
            user.id,
            user.username,
            user.role,
            user.unit_code,
            user.active,
            user.created_at,
            user.last_login_at,
            _stamp(user.password_hash),
        )

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.role, self.role)

    def to_dict(self) -> dict:
        return {
            "username": self.username,
            "role": self.role,
            "unit": self.unit,
            "active": self.active,
            "created_at": self.created_at.isoformat(),
            "last_login_at": self.last_login_at.isoformat() if self.last_login_at else None,
        }


class Users:
    def __init__(self, database: Database, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.db = database
        self.clock = clock

    def create(self, username: str, password: str, role: str, unit: str | None = None) -> UserView:
        username = _username(username)
        if role not in ROLES:
            raise InvalidInput(f"unknown role {role!r}; one of {', '.join(ROLES)}")
        unit = (unit or "").strip() or None
        if role == "unit" and unit is None:
            raise InvalidInput("a unit user needs a unit (--unit CODE)")
        if role != "unit" and unit is not None:
            raise InvalidInput(f"only unit users belong to a unit, not a {role}")
        hashed = generate_password_hash(_password(password))
        try:
            with self.db.transaction() as s:
                if s.scalar(select(User.id).where(User.username == username)) is not None:
                    raise InvalidInput(f"the username {username!r} is taken")
                if unit is not None:
                    _active_unit(s, unit)
                user = User(
                    username=username,
                    password_hash=hashed,
                    role=role,
                    unit_code=unit,
                    active=True,
                    created_at=self.clock(),
                )
                s.add(user)
                s.flush()
                return UserView.of(user)
        except IntegrityError as exc:  # the same name added at the same moment
            raise InvalidInput(f"the username {username!r} is taken") from exc

    def set_password(self, username: str, password: str) -> UserView:
        hashed = generate_password_hash(_password(password))
        with self.db.transaction() as s:
            user = _user(s, username)
            user.password_hash = hashed
            return UserView.of(user)

    def set_active(self, username: str, active: bool) -> UserView:
        with self.db.transaction() as s:
            user = _user(s, username)
            user.active = active
            return UserView.of(user)

    def disable(self, username: str) -> UserView:
        return self.set_active(username, False)

    def list_users(self) -> list[UserView]:
        with self.db.transaction() as s:
            return [UserView.of(u) for u in s.scalars(select(User).order_by(User.username))]

    def authenticate(self, username: str, password: str) -> UserView | None:
        """The user when the password is right and the account (and its unit) is active."""
        username = (username or "").strip()
        password = password or ""
        with self.db.transaction() as s:
            user = s.scalar(select(User).where(User.username == username)) if username else None
            if user is None or len(password) > MAX_PASSWORD:
                check_password_hash(_dummy_hash(), password[:MAX_PASSWORD])
                return None
            if not check_password_hash(user.password_hash, password):
                return None
            if not _may_sign_in(s, user):
                return None
            user.last_login_at = self.clock()
            return UserView.of(user)

    def signed_in(self, user_id: int, stamp: str) -> UserView | None:
        """The user of a session, or None when it was disabled or its password changed."""
        with self.db.transaction() as s:
            user = s.get(User, user_id)
            if user is None or _stamp(user.password_hash) != stamp or not _may_sign_in(s, user):
                return None
            return UserView.of(user)


@functools.cache
def _dummy_hash() -> str:
    """Checked against when the username is unknown, so both answers take the same time."""
    return generate_password_hash("no such user, no such password")


def _may_sign_in(s, user: User) -> bool:
    if not user.active:
        return False
    if user.role != "unit":
        return True
    return bool(s.scalar(select(Unit.active).where(Unit.code == user.unit_code)))


def _stamp(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _username(username: str) -> str:
    username = (username or "").strip()
    if not _USERNAME.match(username):
        raise InvalidInput(
            "a username is 2-64 letters, digits or . _ @ - and starts with a letter or digit"
        )
    return username


def _password(password: str) -> str:
    if not password or len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"a password has at most {MAX_PASSWORD} characters")
    return password


def _user(s, username: str) -> User:
    user = s.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None:
        raise NotFound(f"no user {username!r}; see `ivr users list`")
    return user


def _active_unit(s, code: str) -> None:
    active = s.scalar(select(Unit.active).where(Unit.code == code))
    if active is None:
        raise NotFound(f"no unit {code!r}; see `ivr units list`")
    if not active:
        raise InvalidInput(f"unit {code} is deactivated")
