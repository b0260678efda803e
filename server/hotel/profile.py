"""What the landing page shows about the hotel, read from the database."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import select

from server.db.database import Database
from server.hotel import demo_data as demo
from server.hotel.enums import Topic
from server.hotel.models import Hotel, HotelFact

log = logging.getLogger(__name__)

LANDING_TOPICS = ("breakfast", "pool", "wifi", "parking")


@dataclass(frozen=True)
class HotelProfile:
    name: str
    address: str
    phone: str  # display form, e.g. "+44 23 9200 0000"
    facts: tuple[str, ...]  # short written lines
    phone_e164: str = ""
    timezone: str = "Europe/London"
    seeded: bool = True  # False: the database has no hotel yet; values come from demo_data


def display_phone(e164: str) -> str:
    """'+442392000000' -> '+44 23 9200 0000'; '+447700900101' -> '+44 7700 900101'."""
    if e164.startswith("+44") and len(e164) == 13:
        n = e164[3:]
        if n.startswith("2"):
            return f"+44 {n[:2]} {n[2:6]} {n[6:]}"
        return f"+44 {n[:4]} {n[4:]}"
    return e164


def _times_line(check_in: dt.time, check_out: dt.time) -> str:
    return f"Check-in from {check_in:%H:%M}, check-out by {check_out:%H:%M}"


async def load_hotel_profile(db: Database) -> HotelProfile:
    """Name, address, phone and a few facts of the (first) hotel.

    Falls back to the demo data (flagged `seeded=False`) when the database has no hotel yet, so
    the page renders before `frontdesk db seed`.
    """
    async with db.session() as session:
        hotel = await session.scalar(select(Hotel).order_by(Hotel.id).limit(1))
        if hotel is None:
            log.warning("no hotel in the database; showing the demo hotel's built-in facts")
            h = demo.HOTEL
            return HotelProfile(
                name=h.name, address=h.address, phone=display_phone(h.phone),
                facts=(_times_line(h.check_in, h.check_out),
                       *(demo.FACT_SUMMARIES[Topic(t)] for t in LANDING_TOPICS)),
                phone_e164=h.phone, timezone=h.timezone, seeded=False)
        rows = await session.scalars(select(HotelFact).where(
            HotelFact.hotel_id == hotel.id, HotelFact.topic.in_(LANDING_TOPICS)))
        summaries = {f.topic: f.summary for f in rows}
    return HotelProfile(
        name=hotel.name, address=hotel.address, phone=display_phone(hotel.phone),
        facts=(_times_line(hotel.check_in_time, hotel.check_out_time),
               *(summaries[t] for t in LANDING_TOPICS if summaries.get(t))),
        phone_e164=hotel.phone, timezone=hotel.timezone)
