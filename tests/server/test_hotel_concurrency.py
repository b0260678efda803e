"""No double booking: 20 concurrent bookings for the last free room -> exactly one succeeds.

Runs on SQLite (the real migrations) and on a real PostgreSQL server started by the fixture.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from server.db.database import Database
from server.hotel import booking
from server.hotel.models import Reservation, ReservationNight, Room, RoomType
from server.tools import ToolContext, ToolErrorCode, execute_voice_tool
from tests.server.conftest import Clock

ATTEMPTS = 20


async def _race(db: Database) -> tuple[int, list[ToolErrorCode | None], float]:
    ctx = ToolContext(db=db, caller="+447700900555", clock=Clock())
    # Harbor Suite has two rooms: take one, then race for the other.
    first = await execute_voice_tool("make_reservation", {
        "room_type": "Harbor Suite", "check_in": "2026-12-10", "nights": 3, "guests": 2,
        "guest_name": "Early Bird"}, ctx)
    assert first.ok, first

    async def attempt(i: int) -> ToolErrorCode | None:
        check_in = ["2026-12-10", "2026-12-11"][i % 2]  # all share the night of the 11th
        r = await execute_voice_tool("make_reservation", {
            "room_type": "harbor suite", "check_in": check_in, "nights": 2, "guests": 2,
            "guest_name": f"Racer {i}", "phone": f"+4477009007{i:02d}"}, ctx)
        return None if r.ok else (r.error.code if r.error else ToolErrorCode.INTERNAL)

    started = time.perf_counter()
    outcomes = await asyncio.gather(*(attempt(i) for i in range(ATTEMPTS)))
    elapsed = time.perf_counter() - started
    wins = sum(1 for o in outcomes if o is None)
    return wins, list(outcomes), elapsed


async def _assert_consistent(db: Database) -> None:
    async with db.session() as s:
        suite = await s.scalar(select(RoomType).where(RoomType.code == "harbor_suite"))
        assert suite is not None
        booked = await s.scalar(select(func.count(Reservation.id)).where(
            Reservation.room_type_id == suite.id, Reservation.status == "confirmed"))
        assert booked == 2
        # every suite night from the 10th to the 13th is held at most once per room (the primary
        # key guarantees it) and the two reservations sit in different rooms
        rooms = (await s.scalars(select(Reservation.room_id).where(
            Reservation.room_type_id == suite.id, Reservation.status == "confirmed"))).all()
        assert len(set(rooms)) == 2
        held = await s.scalar(select(func.count()).select_from(ReservationNight).join(
            Room, Room.id == ReservationNight.room_id).where(Room.room_type_id == suite.id))
        assert held == 3 + 2


@pytest.fixture(params=["natural", "forced"])
def interleaving(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """"forced": every booking pauses between reading the free rooms and writing, so all of
    them read "free" before any writes -- the worst case the unique key must catch."""
    if request.param == "forced":
        original = booking.free_rooms

        async def slow_free_rooms(*args: Any, **kwargs: Any) -> list[Room]:
            rooms = await original(*args, **kwargs)
            await asyncio.sleep(0.05)
            return rooms

        monkeypatch.setattr(booking, "free_rooms", slow_free_rooms)
    return str(request.param)


def _report(label: str, wins: int, outcomes: list[ToolErrorCode | None], elapsed: float,
            caplog: pytest.LogCaptureFixture) -> None:
    losers = {str(o) for o in outcomes if o is not None}
    retries = sum("transient conflict" in r.getMessage() for r in caplog.records)
    print(f"\n[{label}] {ATTEMPTS} concurrent make_reservation: {wins} succeeded, "
          f"{ATTEMPTS - wins} refused ({', '.join(sorted(losers))}), {retries} transaction "
          f"retries after unique-key races, {elapsed * 1e3:.0f} ms")


async def test_last_room_sqlite(db: Database, caplog: pytest.LogCaptureFixture,
                                interleaving: str) -> None:
    caplog.set_level(logging.INFO, logger="server.tools.executor")
    wins, outcomes, elapsed = await _race(db)
    _report(f"sqlite, {interleaving}", wins, outcomes, elapsed, caplog)
    assert wins == 1
    assert all(o in (None, ToolErrorCode.NO_AVAILABILITY) for o in outcomes), outcomes
    await _assert_consistent(db)


async def test_last_room_postgres(pg_db: Database, caplog: pytest.LogCaptureFixture,
                                  interleaving: str) -> None:
    caplog.set_level(logging.INFO, logger="server.tools.executor")
    wins, outcomes, elapsed = await _race(pg_db)
    _report(f"postgresql, {interleaving}", wins, outcomes, elapsed, caplog)
    assert wins == 1
    assert all(o in (None, ToolErrorCode.NO_AVAILABILITY) for o in outcomes), outcomes
    await _assert_consistent(pg_db)
