"""Availability, room allocation, prices and the cancellation policy.

No double booking: every reserved room-night is a row in `reservation_nights` whose primary key is
(room_id, night). Allocation picks a free room and inserts its nights; if a concurrent transaction
took the same room-night first, the insert fails with a unique-key violation (PostgreSQL waits for
the other transaction and then fails; SQLite serialises writers) and the caller re-runs the whole
transaction, which then sees the room as taken. See docs/domain.md.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.hotel.enums import RatePlan
from server.hotel.models import Reservation, ReservationNight, Room, RoomType

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I/O/0/1: easier to say and hear
MAX_NIGHTS = 30
BOOKING_HORIZON_DAYS = 365


@dataclass(frozen=True)
class Stay:
    check_in: dt.date
    check_out: dt.date

    @property
    def nights(self) -> int:
        return (self.check_out - self.check_in).days

    def dates(self) -> list[dt.date]:
        return [self.check_in + dt.timedelta(days=i) for i in range(self.nights)]


@dataclass(frozen=True)
class TypeAvailability:
    room_type: RoomType
    free_rooms: int


@dataclass(frozen=True)
class CancellationTerms:
    free: bool
    charge_pence: int
    free_until: dt.datetime  # hotel-local


def new_confirmation_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


def normalize_code(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum())


# Code characters whose spoken names are easily confused: letter names one consonant apart
# ("en" / "em", the E-set "bee", "dee", "pee", "tee", "ef" / "es"), or a shared vowel and a weak
# consonant; "8" / "X": "eight" is heard as "x" in spelled codes.
SOUNDALIKE_GROUPS: tuple[str, ...] = ("MN", "BCDEGPTVZ", "FSX", "AJK", "QU", "8X")


def soundalike_codes(code: str) -> list[str]:
    """Every code that differs from `code` in one character, by one whose name sounds alike:
    what a receptionist tries when a code read over the phone matches no booking."""
    code = normalize_code(code)

    def alike(ch: str) -> set[str]:
        return {c for group in SOUNDALIKE_GROUPS if ch in group for c in group
                if c != ch and c in CODE_ALPHABET}

    return sorted({code[:i] + alt + code[i + 1:] for i, ch in enumerate(code) for alt in alike(ch)})


def nightly_rate(room_type: RoomType, plan: RatePlan) -> int:
    return room_type.rate_bnb_pence if plan is RatePlan.BNB else room_type.rate_room_only_pence


def _room_taken(stay: Stay, exclude_reservation: int | None = None) -> object:
    cond = [ReservationNight.room_id == Room.id, ReservationNight.night >= stay.check_in,
            ReservationNight.night < stay.check_out]
    if exclude_reservation is not None:
        cond.append(ReservationNight.reservation_id != exclude_reservation)
    return exists().where(*cond)


async def availability(session: AsyncSession, hotel_id: int, stay: Stay,
                       room_type_ids: Sequence[int] | None = None) -> list[TypeAvailability]:
    """Free rooms per room type for every night of the stay, cheapest type first."""
    free = (select(Room.room_type_id, func.count(Room.id).label("n"))
            .where(Room.hotel_id == hotel_id, ~_room_taken(stay))  # type: ignore[operator]
            .group_by(Room.room_type_id).subquery())
    q = (select(RoomType, func.coalesce(free.c.n, 0))
         .outerjoin(free, free.c.room_type_id == RoomType.id)
         .where(RoomType.hotel_id == hotel_id)
         .order_by(RoomType.rate_room_only_pence, RoomType.id))
    if room_type_ids is not None:
        q = q.where(RoomType.id.in_(room_type_ids))
    rows = (await session.execute(q)).all()
    return [TypeAvailability(rt, int(n)) for rt, n in rows]


async def free_rooms(session: AsyncSession, room_type_id: int, stay: Stay,
                     exclude_reservation: int | None = None) -> list[Room]:
    q = (select(Room).where(Room.room_type_id == room_type_id,
                            ~_room_taken(stay, exclude_reservation))  # type: ignore[operator]
         .order_by(Room.number))
    return list((await session.scalars(q)).all())


async def hold_nights(session: AsyncSession, reservation_id: int, room_id: int,
                      stay: Stay) -> None:
    """Insert the room-nights; raises IntegrityError (at flush) if any is already held."""
    session.add_all(ReservationNight(room_id=room_id, night=night, reservation_id=reservation_id)
                    for night in stay.dates())
    await session.flush()


async def release_nights(session: AsyncSession, reservation_id: int) -> None:
    await session.execute(delete(ReservationNight)
                          .where(ReservationNight.reservation_id == reservation_id))


def cancellation_terms(reservation: Reservation, check_in_time: dt.time, tz: ZoneInfo,
                       now: dt.datetime, nightly_pence: int,
                       free_hours: int = 24) -> CancellationTerms:
    """Free until `free_hours` before check-in time on the arrival day; then the first night."""
    arrival = dt.datetime.combine(reservation.check_in, check_in_time, tzinfo=tz)
    free_until = arrival - dt.timedelta(hours=free_hours)
    if now < free_until:
        return CancellationTerms(True, 0, free_until)
    return CancellationTerms(False, nightly_pence, free_until)
