"""Helpers for the dialogue tests: a scenario runner over the real migrated, seeded SQLite
database (a fresh copy per scenario), a fake SMS provider, and row readers for grading."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select

from server.db.database import Database
from server.dialogue import DialogueManager, Reply
from server.hotel.models import Guest, Reservation, RoomType
from server.outbound import Outbound, OutboundResult, TwilioConfig
from server.tools import ToolContext, execute_voice_tool
from tests.server.conftest import LONDON, NOW, Clock, sqlite_url

ALICE = "+447700900101"  # in room 305
BEN = "+447700900102"  # Standard Double from next Friday (the 4th), 2 nights, CRT8N2
CHLOE = "+447700900103"  # in room 112
STRANGER = "+447700900555"
SILENCE = "<silence>"  # a scenario turn: ten seconds of nothing

T = TypeVar("T")


class FakeOutbound(Outbound):
    """Accepts every SMS without any network (records what was sent)."""

    def __init__(self) -> None:
        super().__init__(TwilioConfig("AC" + "0" * 32, "token", "+442392000001"))
        self.sent: list[tuple[str, str]] = []

    async def send_sms(self, to: str, body: str) -> OutboundResult:
        self.sent.append((to, body))
        return OutboundResult(sid=f"SM{len(self.sent):032d}", status="queued")


@dataclass(frozen=True)
class Call:
    """What a scenario check gets: the database, the replies, and the manager."""

    db: Database
    replies: list[Reply]
    manager: DialogueManager

    @property
    def outcomes(self) -> list[str]:
        return [r.outcome for r in self.replies if r.outcome]

    def tools(self, name: str) -> list[Any]:
        return [c for r in self.replies for c in r.tool_calls if c.name == name]


Check = Callable[[Call], Awaitable[None]]
Setup = Callable[[ToolContext], Awaitable[None]]


@dataclass(frozen=True)
class Scenario:
    name: str
    task: str
    turns: Sequence[str]
    check: Check
    caller: str | None = STRANGER
    now: dt.datetime = NOW
    setup: Setup | None = None
    confidence: dict[int, float] = field(default_factory=dict)  # turn index -> confidence


async def rows(db: Database, model: type[T]) -> list[T]:
    async with db.session() as s:
        return list((await s.scalars(select(model).order_by(model.id))).all())  # type: ignore[attr-defined]


async def new_reservations(db: Database) -> list[tuple[Reservation, RoomType, Guest]]:
    """Reservations made on the call (the seed's three have no call id)."""
    async with db.session() as s:
        q = (select(Reservation, RoomType, Guest)
             .join(RoomType, RoomType.id == Reservation.room_type_id)
             .join(Guest, Guest.id == Reservation.guest_id)
             .where(Reservation.call_id == "call-dlg").order_by(Reservation.id))
        return [(r, t, g) for r, t, g in (await s.execute(q)).all()]


async def reservation(db: Database, code: str) -> tuple[Reservation, RoomType]:
    async with db.session() as s:
        r = await s.scalar(select(Reservation).where(Reservation.code == code))
        assert r is not None, code
        t = await s.get(RoomType, r.room_type_id)
        assert t is not None
        return r, t


async def run_scenario(sc: Scenario, template: Path, workdir: Path) -> Call:
    path = workdir / f"{sc.name}.db"
    shutil.copyfile(template, path)
    db = Database(sqlite_url(path))
    try:
        ctx = ToolContext(db=db, call_id="call-dlg", caller=sc.caller, clock=Clock(sc.now),
                          outbound=FakeOutbound(), voice_notes_dir=workdir / "notes")
        if sc.setup is not None:
            await sc.setup(ToolContext(db=db, call_id="setup", caller=sc.caller,
                                       clock=Clock(sc.now)))
        dm = DialogueManager(ctx)
        replies = [await dm.greeting()]
        for i, turn in enumerate(sc.turns):
            if dm.ended:
                break
            if turn == SILENCE:
                reply = await dm.on_silence(10.0)
                if reply is not None:
                    replies.append(reply)
                continue
            replies.append(await dm.handle(turn, confidence=sc.confidence.get(i, 1.0)))
        call = Call(db, replies, dm)
        try:
            await sc.check(call)
        except AssertionError as e:
            raise AssertionError(f"{e}\n{transcript(call, sc.turns)}") from e
        return call
    finally:
        await db.dispose()


def transcript(call: Call, turns: Sequence[str]) -> str:
    lines = [f"agent: {call.replies[0].text}"]
    for said, reply in zip(turns, call.replies[1:], strict=False):
        lines += [f"guest: {said}", f"agent: {reply.text}  [{reply.expecting}]"]
    return "\n".join(lines)


async def book_for(ctx: ToolContext, *, check_in: dt.date, nights: int = 1,
                   room_type: str = "Standard Double", name: str = "Sam Lee") -> str:
    result = await execute_voice_tool("make_reservation", {
        "room_type": room_type, "check_in": check_in.isoformat(), "nights": nights,
        "guests": 1, "guest_name": name}, ctx)
    assert result.ok, result
    return str(result.data["confirmation_code"])


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)
