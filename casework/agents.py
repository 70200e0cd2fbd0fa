"""Agents' presence, the transfer queue and warm transfers (tables and service).

An agent is a back-office user (role agent or supervisor) with a phone number
or a browser client identity, and a status: ``available`` (may be rung),
``away``, or ``busy`` (being rung or on a call). A caller handed over to a
person waits in a queue entry (one per call) until an agent joins the call's
conference. Claims are atomic: a conditional UPDATE on the agent's row, so two
calls never ring the same agent, and the entry's own status guards against two
workers ringing for the same caller.

Plain values out, one transaction per call; no Flask, no Twilio.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from casework.db import Database
from casework.lifecycle import InvalidInput, NotFound
from casework.models import Base, Case, utcnow
from casework.views import CaseView

STATUSES = ("available", "away", "busy")
LIVE = ("waiting", "ringing", "connected")  # a queue entry whose caller is still with us
_CLIENT = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
_PHONE = re.compile(r"^\+?\d{3,20}$")


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), ForeignKey("users.username"), unique=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    client: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="away", index=True)
    idle_since: Mapped[dt.datetime | None]
    call_sid: Mapped[str | None] = mapped_column(String(64))  # the caller's call in hand
    leg_sid: Mapped[str | None] = mapped_column(String(64))  # the agent's own leg
    note: Mapped[str | None] = mapped_column(String(32))  # e.g. "missed": set away after no answer
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class QueueEntry(Base):
    """A caller waiting for, or talking to, an agent; one per call."""

    __tablename__ = "agent_queue"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    conference: Mapped[str] = mapped_column(String(100), unique=True)
    conference_sid: Mapped[str | None] = mapped_column(String(64))
    caller_number: Mapped[str | None] = mapped_column(String(32))
    from_number: Mapped[str | None] = mapped_column(String(32))  # the hotline number called
    reason: Mapped[str] = mapped_column(String(200))
    # waiting | ringing | connected | message | ended
    status: Mapped[str] = mapped_column(String(16), index=True)
    queued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[dt.datetime | None]
    ended_at: Mapped[dt.datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(32))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))  # connected agent
    leg_sid: Mapped[str | None] = mapped_column(String(64))
    ringing_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    ringing_sid: Mapped[str | None] = mapped_column(String(64))
    rung_at: Mapped[dt.datetime | None]
    tried: Mapped[list[Any]] = mapped_column(JSON, default=list)  # agents who did not answer
    legs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # agent leg sid -> agent id
    others: Mapped[list[Any]] = mapped_column(JSON, default=list)  # call sids in the conference
    transfers: Mapped[list[Any]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)


@dataclass(frozen=True)
class AgentView:
    id: int
    username: str
    phone: str | None
    client: str | None
    status: str
    idle_since: dt.datetime | None
    call_sid: str | None
    leg_sid: str | None
    note: str | None

    @classmethod
    def of(cls, a: Agent) -> AgentView:
        return cls(
            a.id,
            a.username,
            a.phone,
            a.client,
            a.status,
            a.idle_since,
            a.call_sid,
            a.leg_sid,
            a.note,
        )

    @property
    def address(self) -> str:
        """Where Twilio rings the agent: the phone number, else ``client:IDENTITY``."""
        return self.phone or f"client:{self.client or self.username}"

    def to_dict(self) -> dict:
        return {
            "username": self.username,
            "phone": self.phone,
            "client": self.client,
            "status": self.status,
            "idle_since": self.idle_since.isoformat() if self.idle_since else None,
            "note": self.note,
        }


@dataclass(frozen=True)
class EntryView:
    id: int
    call_sid: str
    conference: str
    conference_sid: str | None
    caller_number: str | None
    from_number: str | None
    reason: str
    status: str
    queued_at: dt.datetime
    answered_at: dt.datetime | None
    ended_at: dt.datetime | None
    end_reason: str | None
    agent_id: int | None
    leg_sid: str | None
    ringing_agent_id: int | None
    ringing_sid: str | None
    rung_at: dt.datetime | None = None
    tried: tuple[int, ...] = ()
    others: tuple[str, ...] = ()
    transfers: tuple[dict, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, e: QueueEntry) -> EntryView:
        return cls(
            e.id,
            e.call_sid,
            e.conference,
            e.conference_sid,
            e.caller_number,
            e.from_number,
            e.reason,
            e.status,
            e.queued_at,
            e.answered_at,
            e.ended_at,
            e.end_reason,
            e.agent_id,
            e.leg_sid,
            e.ringing_agent_id,
            e.ringing_sid,
            e.rung_at,
            tuple(e.tried or ()),
            tuple(e.others or ()),
            tuple(e.transfers or ()),
        )

    @property
    def live(self) -> bool:
        return self.status in LIVE


@dataclass(frozen=True)
class Left:
    """What a participant leaving the conference means for the call."""

    who: str  # caller | agent | other | unknown
    entry: EntryView | None
    cancel_sid: str | None = None  # an agent leg still ringing for a caller who left
    caller_alone: bool = False  # nobody left with the caller and nobody being rung


class _Lost(Exception):
    """Rolls back a claim that lost a race."""


class AgentDesk:
    def __init__(self, database: Database, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.db = database
        self.clock = clock

    # ------------------------------------------------------------------ agents

    def configure(
        self, username: str, phone: str | None = None, client: str | None = None
    ) -> AgentView:
        """Set where an agent is rung; the user must be an agent or supervisor."""
        from casework.users import User

        phone = (phone or "").strip() or None
        client = (client or "").strip() or None
        if phone and not _PHONE.match(phone):
            raise InvalidInput("a phone number is 3-20 digits, optionally after +")
        if client and not _CLIENT.match(client):
            raise InvalidInput("a client identity is 1-64 letters, digits or . _ @ -")
        with self.db.transaction() as s:
            user = s.scalar(select(User).where(User.username == username))
            if user is None:
                raise NotFound(f"no user {username!r}; see `ivr users list`")
            if user.role not in ("agent", "supervisor"):
                raise InvalidInput(f"{username} is a {user.role}, not an agent or supervisor")
            agent = self._agent_row(s, username, create=True)
            agent.phone, agent.client = phone, client
            agent.updated_at = self.clock()
            return AgentView.of(agent)

    def set_status(self, username: str, status: str, force: bool = False) -> AgentView:
        """Available or away. A busy agent (rung or on a call) cannot change until it ends,
        unless ``force`` (an operator freeing an agent whose call's end was never reported)."""
        if status not in ("available", "away"):
            raise InvalidInput("an agent sets themselves available or away")
        with self.db.transaction() as s:
            agent = self._agent_row(s, username, create=True)
            if agent.status == "busy" and force:
                agent.status, agent.leg_sid = "away", None
            if agent.status == "busy":
                raise InvalidInput("the agent is on a call; the status changes when it ends")
            if agent.status != status:
                agent.status = status
                agent.idle_since = self.clock() if status == "available" else None
            agent.note = None
            agent.updated_at = self.clock()
            return AgentView.of(agent)

    def agent(self, username: str) -> AgentView | None:
        with self.db.transaction() as s:
            row = self._agent_row(s, username, create=False)
            return AgentView.of(row) if row else None

    def agent_by_id(self, agent_id: int) -> AgentView | None:
        with self.db.transaction() as s:
            row = s.get(Agent, agent_id)
            return AgentView.of(row) if row else None

    def list_agents(self) -> list[AgentView]:
        with self.db.transaction() as s:
            return [AgentView.of(a) for a in s.scalars(select(Agent).order_by(Agent.username))]

    def on_duty(self) -> int:
        """Agents who are available or busy: worth waiting for."""
        with self.db.transaction() as s:
            return (
                s.scalar(select(func.count()).select_from(Agent).where(Agent.status != "away")) or 0
            )

    # ------------------------------------------------------------------ the queue

    def enqueue(
        self,
        call_sid: str,
        conference: str,
        reason: str,
        caller_number: str | None,
        from_number: str | None,
    ) -> EntryView:
        """The call's queue entry, made once; a retried webhook gets the same one."""
        with self.db.transaction() as s:
            entry = s.scalar(select(QueueEntry).where(QueueEntry.call_sid == call_sid))
            if entry is None:
                entry = QueueEntry(
                    call_sid=call_sid,
                    conference=conference,
                    reason=reason[:200],
                    caller_number=caller_number,
                    from_number=from_number,
                    status="waiting",
                    queued_at=self.clock(),
                    tried=[],
                    legs={},
                    others=[],
                    transfers=[],
                )
                s.add(entry)
                s.flush()
            return EntryView.of(entry)

    def entry(self, entry_id: int) -> EntryView | None:
        with self.db.transaction() as s:
            row = s.get(QueueEntry, entry_id)
            return EntryView.of(row) if row else None

    def entry_for_call(self, call_sid: str) -> EntryView | None:
        with self.db.transaction() as s:
            row = s.scalar(select(QueueEntry).where(QueueEntry.call_sid == call_sid))
            return EntryView.of(row) if row else None

    def live_queue(self) -> list[EntryView]:
        """Callers still with us, first come first."""
        with self.db.transaction() as s:
            rows = s.scalars(
                select(QueueEntry)
                .where(QueueEntry.status.in_(LIVE))
                .order_by(QueueEntry.queued_at, QueueEntry.id)
            )
            return [EntryView.of(e) for e in rows]

    def ahead_of(self, entry_id: int) -> int:
        """How many callers waiting for an agent came before this one."""
        with self.db.transaction() as s:
            mine = s.get(QueueEntry, entry_id)
            if mine is None:
                return 0
            return (
                s.scalar(
                    select(func.count())
                    .select_from(QueueEntry)
                    .where(
                        QueueEntry.status.in_(("waiting", "ringing")),
                        (QueueEntry.queued_at < mine.queued_at)
                        | ((QueueEntry.queued_at == mine.queued_at) & (QueueEntry.id < mine.id)),
                    )
                )
                or 0
            )

    def claim_next(self, entry_id: int) -> AgentView | None:
        """Ring the longest-idle available agent not yet tried for this caller.

        Atomic: the entry goes waiting → ringing and the agent available → busy only
        if both still are, so two workers never ring two agents for one caller and two
        callers never get the same agent. None when nobody can be rung now."""
        try:
            with self.db.transaction() as s:
                entry = s.get(QueueEntry, entry_id)
                if entry is None or entry.status != "waiting":
                    return None
                tried = set(entry.tried or ())
                candidates = s.scalars(
                    select(Agent.id)
                    .where(Agent.status == "available")
                    .order_by(Agent.idle_since.asc(), Agent.id)
                ).all()
                for agent_id in candidates:
                    if agent_id in tried or not self._take(s, agent_id, entry):
                        continue
                    took = s.execute(
                        update(QueueEntry)
                        .where(QueueEntry.id == entry_id, QueueEntry.status == "waiting")
                        .values(
                            status="ringing",
                            ringing_agent_id=agent_id,
                            ringing_sid=None,
                            rung_at=self.clock(),
                        )
                    ).rowcount
                    if took != 1:
                        raise _Lost  # another worker rang for this caller meanwhile: undo
                    return AgentView.of(s.get(Agent, agent_id))
                return None
        except _Lost:
            return None

    def claim_agent(self, entry_id: int, username: str) -> AgentView:
        """Ring one named agent for a connected call (agent-to-agent transfer)."""
        with self.db.transaction() as s:
            entry = s.get(QueueEntry, entry_id)
            if entry is None or entry.status != "connected":
                raise InvalidInput("the call is no longer connected")
            if entry.ringing_agent_id is not None:
                raise InvalidInput("another agent is already being rung for this call")
            agent = self._agent_row(s, username, create=False)
            if agent is None or not self._take(s, agent.id, entry):
                raise InvalidInput(f"agent {username} is not available")
            entry.ringing_agent_id, entry.ringing_sid = agent.id, None
            entry.rung_at = self.clock()
            return AgentView.of(agent)

    def release(self, entry_id: int, agent_id: int) -> None:
        """The ring could not be placed at all (REST error): undo the claim."""
        with self.db.transaction() as s:
            entry = s.get(QueueEntry, entry_id)
            if entry is not None and entry.ringing_agent_id == agent_id:
                entry.ringing_agent_id = entry.ringing_sid = None
                if entry.status == "ringing":
                    entry.status = "waiting"
            self._free(s, agent_id, None, missed=False, forget=True)

    def leg_started(self, entry_id: int, agent_id: int, leg_sid: str) -> None:
        """The agent's leg exists (REST answer or its first webhook, whichever is first)."""
        with self.db.transaction() as s:
            entry = s.get(QueueEntry, entry_id)
            if entry is None:
                return
            entry.legs = {**(entry.legs or {}), leg_sid: agent_id}
            if entry.ringing_agent_id == agent_id and entry.ringing_sid is None:
                entry.ringing_sid = leg_sid
            agent = s.get(Agent, agent_id)
            if agent is not None and agent.leg_sid is None and agent.status == "busy":
                agent.leg_sid = leg_sid

    def leg_failed(self, entry_id: int, agent_id: int, status: str) -> EntryView | None:
        """The agent did not answer (or was busy, or the number failed): set them away and
        let the caller's entry wait for the next agent."""
        with self.db.transaction() as s:
            entry = s.get(QueueEntry, entry_id)
            if entry is None:
                return None
            if entry.ringing_agent_id == agent_id:
                entry.ringing_agent_id = entry.ringing_sid = None
                entry.tried = [*(entry.tried or []), agent_id]
                if entry.status == "ringing":
                    entry.status = "waiting"
            self._free(s, agent_id, None, missed=status != "canceled", forget=True)
            return EntryView.of(entry)

    def joined(self, conference: str, conference_sid: str | None, call_sid: str) -> str:
        """A participant joined the call's conference: caller, agent or other."""
        with self.db.transaction() as s:
            entry = s.scalar(
                select(QueueEntry).where(QueueEntry.conference == conference).with_for_update()
            )
            if entry is None:
                return "unknown"
            if conference_sid and not entry.conference_sid:
                entry.conference_sid = conference_sid
            if call_sid == entry.call_sid:
                return "caller"
            entry.others = [*[c for c in entry.others or [] if c != call_sid], call_sid]
            agent_id = (entry.legs or {}).get(call_sid)
            if agent_id is None:
                return "other"
            entry.agent_id, entry.leg_sid = agent_id, call_sid
            if entry.ringing_agent_id == agent_id:
                entry.ringing_agent_id = entry.ringing_sid = None
            if entry.status in ("waiting", "ringing"):
                entry.status = "connected"
                entry.answered_at = self.clock()
            agent = s.get(Agent, agent_id)
            if agent is not None:
                agent.status, agent.call_sid, agent.leg_sid = "busy", entry.call_sid, call_sid
                agent.updated_at = self.clock()
            return "agent"

    def left(self, conference: str, call_sid: str) -> Left:
        """A participant left the call's conference."""
        with self.db.transaction() as s:
            entry = s.scalar(
                select(QueueEntry).where(QueueEntry.conference == conference).with_for_update()
            )
            if entry is None:
                return Left("unknown", None)
            if call_sid == entry.call_sid:
                cancel = entry.ringing_sid
                if entry.status in LIVE:
                    was = entry.status
                    entry.status, entry.ended_at = "ended", self.clock()
                    entry.end_reason = (
                        "caller hung up while waiting" if was != "connected" else "caller left"
                    )
                return Left("caller", EntryView.of(entry), cancel_sid=cancel)
            entry.others = [c for c in entry.others or [] if c != call_sid]
            agent_id = (entry.legs or {}).get(call_sid)
            if agent_id is not None:
                self._free(s, agent_id, call_sid, missed=False)
                if entry.leg_sid == call_sid:
                    entry.agent_id = entry.leg_sid = None
            alone = entry.status == "connected" and not entry.others and not entry.ringing_agent_id
            return Left("agent" if agent_id else "other", EntryView.of(entry), caller_alone=alone)

    def leg_ended(self, agent_id: int, leg_sid: str) -> None:
        """The agent's leg is over (status callback): free the agent if still on it."""
        with self.db.transaction() as s:
            self._free(s, agent_id, leg_sid, missed=False)

    def to_message(self, entry_id: int) -> bool:
        """Waited too long with nobody being rung: the caller leaves a message instead."""
        with self.db.transaction() as s:
            moved = s.execute(
                update(QueueEntry)
                .where(QueueEntry.id == entry_id, QueueEntry.status == "waiting")
                .values(status="message", end_reason="no agent: message", ended_at=self.clock())
            ).rowcount
            return moved == 1

    def requeue(self, entry_id: int) -> None:
        """The move to a message did not happen (REST error): the caller waits on."""
        with self.db.transaction() as s:
            s.execute(
                update(QueueEntry)
                .where(QueueEntry.id == entry_id, QueueEntry.status == "message")
                .values(status="waiting", end_reason=None, ended_at=None)
            )

    def expect(self, entry_id: int, call_sid: str) -> None:
        """An outside party is being added to the conference: the caller is not alone."""
        with self.db.transaction() as s:
            entry = s.get(QueueEntry, entry_id)
            if entry is not None and call_sid not in (entry.others or []):
                entry.others = [*(entry.others or []), call_sid]

    def record_transfer(self, entry_id: int, data: dict) -> EntryView:
        with self.db.transaction() as s:
            entry = s.get(QueueEntry, entry_id)
            if entry is None:
                raise NotFound("no such call in the queue")
            entry.transfers = [*(entry.transfers or []), {**data, "at": self.clock().isoformat()}]
            return EntryView.of(entry)

    def in_hand(self, username: str) -> EntryView | None:
        """The call an agent is being rung for, is on, or last had (for the wrap-up)."""
        with self.db.transaction() as s:
            agent = self._agent_row(s, username, create=False)
            if agent is None or not agent.call_sid:
                return None
            row = s.scalar(select(QueueEntry).where(QueueEntry.call_sid == agent.call_sid))
            return EntryView.of(row) if row else None

    # ------------------------------------------------------------------ the caller's history

    def earlier_cases(
        self, number: str | None, before_call: str | None = None, limit: int = 10
    ) -> list[CaseView]:
        """The caller's cases, newest first (not the one of this call)."""
        if not number:
            return []
        with self.db.transaction() as s:
            query = select(Case).where(Case.caller_number == number).order_by(Case.id.desc())
            if before_call:
                query = query.where((Case.call_sid.is_(None)) | (Case.call_sid != before_call))
            return [CaseView.of(c) for c in s.scalars(query.limit(limit))]

    def count_earlier_cases(self, number: str | None, before_call: str | None = None) -> int:
        if not number:
            return 0
        with self.db.transaction() as s:
            query = select(func.count()).select_from(Case).where(Case.caller_number == number)
            if before_call:
                query = query.where((Case.call_sid.is_(None)) | (Case.call_sid != before_call))
            return s.scalar(query) or 0

    # ------------------------------------------------------------------ internals

    def _take(self, s: Session, agent_id: int, entry: QueueEntry) -> bool:
        took = s.execute(
            update(Agent)
            .where(Agent.id == agent_id, Agent.status == "available")
            .values(
                status="busy",
                call_sid=entry.call_sid,
                leg_sid=None,
                note=None,
                updated_at=self.clock(),
            )
        ).rowcount
        return took == 1

    def _free(
        self, s: Session, agent_id: int, leg_sid: str | None, missed: bool, forget: bool = False
    ) -> None:
        """Back to available (idle from now), or away after a missed ring."""
        agent = s.get(Agent, agent_id)
        if agent is None or agent.status != "busy":
            return
        if leg_sid is not None and agent.leg_sid not in (None, leg_sid):
            return  # the agent is already on another leg
        now = self.clock()
        agent.status = "away" if missed else "available"
        agent.idle_since = None if missed else now
        agent.note = "missed" if missed else None
        if missed or forget:
            agent.call_sid = None  # never taken: nothing to wrap up
        agent.leg_sid = None  # the last call stays in hand for the wrap-up until the next one
        agent.updated_at = now

    def _agent_row(self, s: Session, username: str, create: bool) -> Agent | None:
        agent = s.scalar(select(Agent).where(Agent.username == username))
        if agent is None and create:
            from casework.users import User

            role = s.scalar(select(User.role).where(User.username == username))
            if role is None:
                raise NotFound(f"no user {username!r}")
            if role not in ("agent", "supervisor"):
                raise InvalidInput(f"{username} is a {role}, not an agent or supervisor")
            agent = Agent(username=username, status="away", updated_at=self.clock())
            s.add(agent)
            s.flush()
        return agent
