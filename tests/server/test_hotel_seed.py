"""Demo seed (Harbor View Hotel), landing-page profile, and the hold-music loop."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from server.db.database import Database
from server.db.migrate import upgrade
from server.db.models import Base
from server.hotel import demo_data
from server.hotel.hold_music import hold_music
from server.hotel.models import (
    Department,
    Guest,
    Hotel,
    HotelFact,
    MenuItem,
    Reservation,
    ReservationNight,
    Room,
    RoomType,
)
from server.hotel.profile import load_hotel_profile
from server.hotel.seed import seed_demo_hotel
from tests.server.conftest import TODAY, sqlite_url


async def _count(db: Database, model: type[Base]) -> int:
    async with db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def test_seeded_facts(db: Database) -> None:
    assert await _count(db, Hotel) == 1
    assert await _count(db, Room) == 20 + 10 + 8 + 6 + 2
    assert await _count(db, Department) == 6
    assert await _count(db, MenuItem) == 7
    assert await _count(db, HotelFact) == 11
    async with db.session() as s:
        hotel = await s.scalar(select(Hotel))
        assert hotel is not None
        assert (hotel.name, hotel.phone, hotel.timezone) == ("Harbor View Hotel", "+442392000000",
                                                             "Europe/London")
        assert (hotel.check_in_time, hotel.check_out_time) == (dt.time(15), dt.time(11))
        suite = await s.scalar(select(RoomType).where(RoomType.code == "harbor_suite"))
        assert suite is not None
        assert (suite.rate_room_only_pence, suite.rate_bnb_pence, suite.max_guests) == (
            35000, 39000, 3)
        numbers = (await s.scalars(select(Room.number).where(Room.room_type_id == suite.id)
                                   .order_by(Room.number))).all()
        assert list(numbers) == ["501", "502"]
        rs = await s.scalar(select(Department).where(Department.key == "room_service"))
        assert rs is not None and (rs.extension, rs.opens, rs.closes) == (
            "300", dt.time(6, 30), dt.time(23, 0))


async def test_known_guests_relative_to_today(db: Database) -> None:
    async with db.session() as s:
        rows = (await s.execute(select(Guest.name, Guest.phone, Reservation.check_in,
                                       Reservation.check_out, Reservation.status, Room.number)
                                .join(Reservation, Reservation.guest_id == Guest.id)
                                .join(Room, Room.id == Reservation.room_id)
                                .order_by(Guest.name))).all()
        nights = await s.scalar(select(func.count()).select_from(ReservationNight))
    day = dt.timedelta(days=1)
    assert [tuple(r) for r in rows] == [
        ("Alice Morgan", "+447700900101", TODAY - day, TODAY + 2 * day, "checked_in", "305"),
        ("Ben Carter", "+447700900102", dt.date(2026, 12, 4), dt.date(2026, 12, 6), "confirmed",
         "101"),
        ("Chloe Davies", "+447700900103", TODAY, TODAY + day, "checked_in", "112"),
    ]
    assert nights == 3 + 2 + 1


def test_next_friday() -> None:
    assert demo_data.next_friday(dt.date(2026, 12, 1)) == dt.date(2026, 12, 4)  # Tuesday
    assert demo_data.next_friday(dt.date(2026, 12, 4)) == dt.date(2026, 12, 11)  # Friday
    assert demo_data.next_friday(dt.date(2026, 12, 6)) == dt.date(2026, 12, 11)  # Sunday


async def test_seed_only_when_empty_and_reset(db: Database) -> None:
    assert await seed_demo_hotel(db) is False  # already seeded: start-up leaves it alone
    async with db.session() as s:
        s.add(Guest(hotel_id=1, name="Extra Guest", phone="+447700900777"))
    assert await seed_demo_hotel(db, reset=False) is False
    assert await _count(db, Guest) == 4
    assert await seed_demo_hotel(db, reset=True, today=dt.date(2027, 3, 1)) is True
    assert await _count(db, Guest) == 3 and await _count(db, Hotel) == 1
    async with db.session() as s:
        ben = await s.scalar(select(Reservation).where(Reservation.code == "CRT8N2"))
    assert ben is not None and ben.check_in == dt.date(2027, 3, 5)


async def test_profile_from_database(db: Database) -> None:
    p = await load_hotel_profile(db)
    assert (p.name, p.address, p.phone) == ("Harbor View Hotel", "12 Quay Street, Portsmouth",
                                            "+44 23 9200 0000")
    assert p.seeded and p.phone_e164 == "+442392000000"
    assert p.facts[0] == "Check-in from 15:00, check-out by 11:00"
    assert any("Breakfast 07:00–10:30" in f for f in p.facts)


async def test_profile_before_seeding(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "empty.db")
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    try:
        p = await load_hotel_profile(db)
        assert p.name == "Harbor View Hotel" and p.seeded is False
        assert await seed_demo_hotel(db) is True
        assert (await load_hotel_profile(db)).seeded is True
    finally:
        await db.dispose()


def test_hold_music_loop() -> None:
    music = hold_music()
    assert music.pcm.dtype == np.int16 and music.sample_rate == 24000
    assert music.duration_s == 12.0
    assert music.pcm[0] == 0 and abs(int(music.pcm[-1])) <= 1  # loops without a click
    peak = int(np.max(np.abs(music.pcm)))
    assert 0.2 * 32767 <= peak <= 0.26 * 32767
    rms = float(np.sqrt(np.mean(music.pcm.astype(np.float64) ** 2)))
    assert rms > 1000  # not silence
    assert len(music.to_bytes()) == 2 * len(music.pcm)
    assert hold_music(8000).sample_rate == 8000
    # the sample-to-sample step stays small everywhere (no discontinuities), incl. the wrap
    looped = np.concatenate([music.pcm, music.pcm[:10]]).astype(np.int32)
    assert int(np.max(np.abs(np.diff(looped)))) < 1500
