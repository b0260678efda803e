"""Finding things the way callers name them: room types, departments, menu items, rooms, guests."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.hotel import demo_data
from server.hotel.enums import ReservationStatus
from server.hotel.models import Department, Guest, Hotel, MenuItem, Reservation, Room, RoomType


def norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower().replace("&", " and ")).strip()


def _singular(word: str) -> str:
    if word.endswith("ches") or word.endswith("shes"):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _words(text: str) -> list[str]:
    return [_singular(w) for w in norm(text).split()]


def _match(query: str, candidates: Sequence[tuple[str, Sequence[str]]]) -> str | None:
    """The key whose name/aliases match `query`: exact, then all query words contained."""
    q = " ".join(_words(query))
    for key, names in candidates:
        if any(q == " ".join(_words(n)) for n in names):
            return key
    qw = set(q.split()) - {"the", "a", "an", "room", "please", "of"}
    hits = [key for key, names in candidates
            if qw and any(qw <= set(_words(n)) for n in names)]
    if len(hits) == 1:
        return hits[0]
    hits = [key for key, names in candidates
            if any(set(_words(n)) - {"room"} and set(_words(n)) - {"room"} <= set(q.split())
                   for n in names)]
    return hits[0] if len(hits) == 1 else None


async def first_hotel(session: AsyncSession) -> Hotel | None:
    """The hotel this server answers for (one per database)."""
    return await session.scalar(select(Hotel).order_by(Hotel.id).limit(1))


async def room_types(session: AsyncSession, hotel_id: int) -> list[RoomType]:
    return list((await session.scalars(select(RoomType).where(RoomType.hotel_id == hotel_id)
                                       .order_by(RoomType.rate_room_only_pence,
                                                 RoomType.id))).all())


async def match_room_type(session: AsyncSession, hotel_id: int, query: str) -> RoomType | None:
    types = await room_types(session, hotel_id)
    extra = {"harbor_suite": ("suite", "harbour suite"), "family_room": ("family",),
             "deluxe_king": ("deluxe", "king", "sea view")}
    key = _match(query, [(t.code, (t.code, t.name, *extra.get(t.code, ()))) for t in types])
    return next((t for t in types if t.code == key), None)


async def departments(session: AsyncSession, hotel_id: int) -> list[Department]:
    return list((await session.scalars(select(Department).where(Department.hotel_id == hotel_id)
                                       .order_by(Department.extension))).all())


def _dept_aliases(key: str) -> tuple[str, ...]:
    return next((d.aliases for d in demo_data.DEPARTMENTS if d.key == key), ())


def department_phrase(dept: Department) -> str:
    """How to say it in a sentence: 'the front desk', 'reservations'."""
    return department_words(dept.key, dept.name)


def department_words(key: str, name: str) -> str:
    """`department_phrase` from a department's key and name."""
    return f"the {name}" if key in ("front_desk", "concierge", "manager") else name


async def match_department(session: AsyncSession, hotel_id: int,
                           query: str) -> Department | None:
    depts = await departments(session, hotel_id)
    q = query.strip()
    by_ext = next((d for d in depts if d.extension == q), None)
    if by_ext:
        return by_ext
    key = _match(q, [(d.key, (d.key, d.name, *_dept_aliases(d.key))) for d in depts])
    return next((d for d in depts if d.key == key), None)


@dataclass(frozen=True)
class Opening:
    open_now: bool
    next_open: dt.datetime | None  # hotel-local; None when open now or 24 h


def opening(dept: Department, now: dt.datetime) -> Opening:
    """Whether the department is open at `now` (hotel-local), and when it next opens."""
    if dept.opens is None or dept.closes is None:
        return Opening(True, None)
    t = now.timetz().replace(tzinfo=None)
    if dept.opens <= dept.closes:
        is_open = dept.opens <= t < dept.closes
    else:  # spans midnight
        is_open = t >= dept.opens or t < dept.closes
    if is_open:
        return Opening(True, None)
    day = now.date() if t < dept.opens else now.date() + dt.timedelta(days=1)
    return Opening(False, dt.datetime.combine(day, dept.opens, tzinfo=now.tzinfo))


async def menu(session: AsyncSession, hotel_id: int) -> list[MenuItem]:
    return list((await session.scalars(select(MenuItem).where(MenuItem.hotel_id == hotel_id)
                                       .order_by(MenuItem.id))).all())


def match_menu_item(items: Sequence[MenuItem], query: str) -> MenuItem | None:
    aliases = {m.code: m.aliases for m in demo_data.MENU}
    key = _match(query, [(m.code, (m.code, m.name, re.sub(r"\(.*?\)", "", m.name),
                                   *aliases.get(m.code, ()))) for m in items])
    return next((m for m in items if m.code == key), None)


async def room_by_number(session: AsyncSession, hotel_id: int, number: str) -> Room | None:
    digits = "".join(c for c in number if c.isdigit()) or number.strip()
    return await session.scalar(select(Room).where(Room.hotel_id == hotel_id,
                                                   Room.number == digits))


async def guests_by_phone(session: AsyncSession, hotel_id: int, phone: str) -> list[Guest]:
    return list((await session.scalars(select(Guest).where(Guest.hotel_id == hotel_id,
                                                           Guest.phone == phone)
                                       .order_by(Guest.id))).all())


async def guests_by_name(session: AsyncSession, hotel_id: int, name: str) -> list[Guest]:
    n = " ".join(name.lower().split())
    return list((await session.scalars(select(Guest).where(
        Guest.hotel_id == hotel_id, func.lower(Guest.name) == n).order_by(Guest.id))).all())


async def in_house_reservation(session: AsyncSession, hotel_id: int, phone: str | None,
                               today: dt.date) -> Reservation | None:
    """The caller's current stay (checked in, today within the stay)."""
    if not phone:
        return None
    return await session.scalar(
        select(Reservation).join(Guest, Guest.id == Reservation.guest_id)
        .where(Reservation.hotel_id == hotel_id, Guest.phone == phone,
               Reservation.status == ReservationStatus.CHECKED_IN.value,
               Reservation.check_in <= today, Reservation.check_out >= today)
        .order_by(Reservation.check_in.desc()).limit(1))


# Live codes a recognizer listens for at most (the soonest arrivals first): each one costs the
# recognizer an edit distance on a misheard code (~15 µs; 30 ms for 2000), never a decode.
LIVE_CODES_MAX = 2000


async def live_codes(session: AsyncSession, hotel_id: int, today: dt.date,
                     limit: int = LIVE_CODES_MAX) -> list[str]:
    """The codes of the bookings a guest may still call about (confirmed or checked in, not
    yet checked out): what a spelled code is listened for against."""
    return list((await session.scalars(
        select(Reservation.code)
        .where(Reservation.hotel_id == hotel_id, Reservation.check_out >= today,
               Reservation.status.in_((ReservationStatus.CONFIRMED.value,
                                       ReservationStatus.CHECKED_IN.value)))
        .order_by(Reservation.check_in, Reservation.id).limit(limit))).all())
