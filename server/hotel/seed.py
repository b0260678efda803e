"""Seeding the demo hotel (Harbor View Hotel) from `demo_data`."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.database import Database
from server.hotel import demo_data as demo
from server.hotel.models import (
    Callback,
    Department,
    Guest,
    Hotel,
    HotelFact,
    MenuItem,
    Reservation,
    ReservationNight,
    Room,
    RoomType,
    ServiceRequest,
    SmsMessage,
    Transfer,
    VoiceNote,
)

log = logging.getLogger(__name__)

# Children first, so foreign keys hold while clearing.
_DOMAIN_TABLES = (ReservationNight, SmsMessage, ServiceRequest, Reservation, Callback, Guest,
                  Room, RoomType, MenuItem, HotelFact, Department, Transfer, VoiceNote, Hotel)


async def seed_demo_hotel(db: Database, *, reset: bool = False,
                          today: dt.date | None = None) -> bool:
    """Seed the demo hotel if the database has none (or always, with `reset`).

    `reset` clears every hotel-domain table first (calls and their turns are kept).
    `today` (hotel-local) anchors the known guests' stays; defaults to today in Europe/London.
    Returns True when it wrote anything.
    """
    if today is None:
        today = dt.datetime.now(ZoneInfo(demo.HOTEL.timezone)).date()
    try:
        async with db.session() as session:
            if not reset:
                existing = await session.scalar(select(Hotel.id).limit(1))
                if existing is not None:
                    return False
            else:
                for table in _DOMAIN_TABLES:
                    await session.execute(delete(table))
            await _insert_demo(session, today)
    except IntegrityError:
        if reset:
            raise
        log.info("another process seeded the demo hotel first")
        return False
    log.info("seeded the demo hotel (%s), guests' stays relative to %s", demo.HOTEL.name, today)
    return True


async def _insert_demo(session: AsyncSession, today: dt.date) -> None:
    h = demo.HOTEL
    hotel = Hotel(slug=h.slug, name=h.name, address=h.address, phone=h.phone,
                  timezone=h.timezone, currency=h.currency, check_in_time=h.check_in,
                  check_out_time=h.check_out)
    session.add(hotel)
    await session.flush()
    session.add_all(Department(hotel_id=hotel.id, key=d.key, name=d.name, extension=d.extension,
                               opens=d.opens, closes=d.closes) for d in demo.DEPARTMENTS)
    session.add_all(HotelFact(hotel_id=hotel.id, topic=topic.value, text=text,
                              summary=demo.FACT_SUMMARIES[topic])
                    for topic, text in demo.FACTS.items())
    session.add_all(MenuItem(hotel_id=hotel.id, code=m.code, name=m.name,
                             price_pence=m.price_pence) for m in demo.MENU)
    types: dict[str, RoomType] = {}
    rooms: dict[str, Room] = {}
    for rt in demo.ROOM_TYPES:
        row = RoomType(hotel_id=hotel.id, code=rt.code, name=rt.name, description=rt.description,
                       rate_room_only_pence=rt.room_only_pence, rate_bnb_pence=rt.bnb_pence,
                       max_guests=rt.max_guests)
        session.add(row)
        types[rt.code] = row
    await session.flush()
    for rt in demo.ROOM_TYPES:
        for number in rt.numbers:
            room = Room(hotel_id=hotel.id, room_type_id=types[rt.code].id, number=number,
                        floor=int(number[0]))
            session.add(room)
            rooms[number] = room
    await session.flush()
    for g in demo.GUESTS:
        guest = Guest(hotel_id=hotel.id, name=g.name, phone=g.phone, notes=g.notes)
        session.add(guest)
        await session.flush()
        for stay in g.stays:
            rt_row = types[stay.room_type]
            check_in = stay.arrival(today)
            check_out = check_in + dt.timedelta(days=stay.nights)
            nightly = (rt_row.rate_bnb_pence if stay.rate_plan == "bnb"
                       else rt_row.rate_room_only_pence)
            res = Reservation(hotel_id=hotel.id, code=stay.code, guest_id=guest.id,
                              room_type_id=rt_row.id, room_id=rooms[stay.room].id,
                              check_in=check_in, check_out=check_out, guests=stay.guests,
                              rate_plan=stay.rate_plan.value, status=stay.status.value,
                              total_pence=nightly * stay.nights)
            session.add(res)
            await session.flush()
            session.add_all(ReservationNight(room_id=rooms[stay.room].id,
                                             night=check_in + dt.timedelta(days=i),
                                             reservation_id=res.id)
                            for i in range(stay.nights))
