"""Reservation tools against the real (migrated, seeded) SQLite database."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from server.db.database import Database
from server.hotel.models import Guest, Reservation, ReservationNight
from server.tools import ToolErrorCode as E
from tests.server.conftest import TODAY, Clock, MakeCtx, data, run

BEN = "+447700900102"
ALICE = "+447700900101"
STRANGER = "+447700900999"


async def _nights(db: Database, code: str) -> list[dt.date]:
    async with db.session() as s:
        res = await s.scalar(select(Reservation).where(Reservation.code == code))
        assert res is not None
        return sorted((await s.scalars(select(ReservationNight.night).where(
            ReservationNight.reservation_id == res.id))).all())


async def _reservation(db: Database, code: str) -> Reservation:
    async with db.session() as s:
        res = await s.scalar(select(Reservation).where(Reservation.code == code))
        assert res is not None
        return res


# --- check_availability ---------------------------------------------------------------------

async def test_availability_lists_free_types_with_prices(make_ctx: MakeCtx) -> None:
    r = await run(make_ctx(), "check_availability", check_in="2026-12-04", nights=2, guests=2)
    assert r.ok, r
    by_code = {t["code"]: t for t in data(r)["room_types"]}
    assert by_code["standard_double"]["free_rooms"] == 19  # Ben has 101
    assert by_code["harbor_suite"]["free_rooms"] == 2
    assert r.data["check_out"] == "2026-12-06"
    assert "Friday the 4th of December for two nights" in r.speech
    assert "one hundred and twenty pounds a night" in r.speech
    assert r.speech.count(" a night") == 3 and "and two other room types" in r.speech


async def test_availability_for_four_guests_only_offers_family_room(make_ctx: MakeCtx) -> None:
    r = await run(make_ctx(), "check_availability", check_in="2026-12-04",
                  check_out="2026-12-05", guests=4)
    assert r.ok
    assert [t["code"] for t in data(r)["room_types"]] == ["family_room"]


async def test_availability_errors(make_ctx: MakeCtx) -> None:
    ctx = make_ctx()
    r = await run(ctx, "check_availability", nights=2)
    assert r.error and r.error.code is E.MISSING_ARGUMENT and r.error.field == "check_in"
    assert r.error.question == "Which date would you like to arrive?"
    assert r.speech == "Which date would you like to arrive?"
    r = await run(ctx, "check_availability", check_in="2026-11-20", nights=2)
    assert r.error and r.error.code is E.DATE_IN_PAST
    assert r.speech.endswith("Which date would you like to arrive?")
    r = await run(ctx, "check_availability", check_in="2026-12-04", nights=0)
    assert r.error and r.error.code is E.INVALID_DATES
    assert r.error.question == "How many nights would you like to stay?"
    r = await run(ctx, "check_availability", check_in="2026-12-04", check_out="2026-12-04")
    assert r.error and r.error.code is E.INVALID_DATES
    r = await run(ctx, "check_availability", check_in="next friday", nights=1)
    assert r.error and r.error.code is E.INVALID_ARGUMENT and r.error.field == "check_in"
    r = await run(ctx, "check_availability", check_in="2026-12-04")
    assert r.error and r.error.code is E.MISSING_ARGUMENT and r.error.field == "nights"
    r = await run(ctx, "check_availability", check_in="2026-12-04", nights=1,
                  room_type="penthouse")
    assert r.error and r.error.code is E.UNKNOWN_ROOM_TYPE
    r = await run(ctx, "check_availability", check_in="2026-12-04", nights=1, guests=9)
    assert r.error and r.error.code is E.TOO_MANY_GUESTS
    r = await run(ctx, "check_availability", check_in="2026-12-04", nights=40)
    assert r.error and r.error.code is E.INVALID_DATES
    r = await run(ctx, "check_availability", check_in="2028-12-04", nights=1)
    assert r.error and r.error.code is E.INVALID_ARGUMENT


# --- make_reservation -----------------------------------------------------------------------

async def test_make_reservation_books_and_confirms(make_ctx: MakeCtx, db: Database) -> None:
    ctx = make_ctx(caller="07700 900999")
    r = await run(ctx, "make_reservation", room_type="Standard Double", check_in="2026-12-04",
                  nights=2, guests=2, guest_name="Dana  Evans")
    assert r.ok, r
    code = str(r.data["confirmation_code"])
    assert len(code) == 6 and code.isalnum()
    assert r.data["total_pence"] == 24000 and r.data["rate_plan"] == "room_only"
    assert "Friday the 4th of December" in r.speech
    assert "two hundred and forty pounds in total" in r.speech
    assert ", ".join(code) in r.speech
    assert await _nights(db, code) == [dt.date(2026, 12, 4), dt.date(2026, 12, 5)]
    async with db.session() as s:
        guest = await s.scalar(select(Guest).where(Guest.name == "Dana Evans"))
        assert guest is not None and guest.phone == "+447700900999"
    res = await _reservation(db, code)
    assert res.call_id == "call-1" and res.status == "confirmed"


async def test_make_reservation_bnb_price(make_ctx: MakeCtx) -> None:
    r = await run(make_ctx(caller=ALICE), "make_reservation", room_type="suite",
                  check_in="2026-12-20", check_out="2026-12-23", guests=3, rate_plan="bnb",
                  guest_name="Alice Morgan")
    assert r.ok and r.data["total_pence"] == 3 * 39000 and r.data["room_type"] == "Harbor Suite"


async def test_make_reservation_errors(make_ctx: MakeCtx) -> None:
    ctx = make_ctx(caller=BEN)
    base = {"room_type": "double", "check_in": "2026-12-04", "nights": 2, "guests": 2,
            "guest_name": "Ben Carter"}
    r = await run(ctx, "make_reservation", **{**base, "guests": 9})
    assert r.error and r.error.code is E.TOO_MANY_GUESTS and r.error.field == "guests"
    assert "sleeps up to two" in r.speech
    r = await run(ctx, "make_reservation", **{**base, "guests": 3})
    assert r.error and r.error.code is E.TOO_MANY_GUESTS
    assert "Family Room" in (r.error.question or "")
    r = await run(ctx, "make_reservation", **{**base, "nights": 0})
    assert r.error and r.error.code is E.INVALID_DATES
    r = await run(ctx, "make_reservation", **{**base, "check_in": "2026-11-30"})
    assert r.error and r.error.code is E.DATE_IN_PAST
    r = await run(ctx, "make_reservation", **{k: v for k, v in base.items() if k != "guest_name"})
    assert r.error and r.error.code is E.MISSING_ARGUMENT
    assert r.error.question == "May I have the name for the booking?"
    r = await run(ctx, "make_reservation", **{**base, "rate_plan": "all_inclusive"})
    assert r.error and r.error.code is E.INVALID_ARGUMENT and r.error.field == "rate_plan"
    r = await run(make_ctx(caller=None), "make_reservation", **base)
    assert r.error and r.error.code is E.MISSING_ARGUMENT and r.error.field == "phone"
    r = await run(ctx, "make_reservation", **{**base, "phone": "12"})
    assert r.error and r.error.code is E.INVALID_ARGUMENT and r.error.field == "phone"


async def test_make_reservation_when_sold_out(make_ctx: MakeCtx, db: Database) -> None:
    ctx = make_ctx(caller=BEN)
    args = {"room_type": "Harbor Suite", "check_in": "2026-12-10", "nights": 1, "guests": 2,
            "guest_name": "Ben Carter"}
    assert (await run(ctx, "make_reservation", **args)).ok
    assert (await run(ctx, "make_reservation", **args)).ok
    r = await run(ctx, "make_reservation", **args)
    assert r.error and r.error.code is E.NO_AVAILABILITY
    async with db.session() as s:
        assert await s.scalar(select(func.count(Reservation.id))) == 3 + 2


# --- find / modify / cancel -----------------------------------------------------------------

async def test_find_reservation_by_code_phone_and_name(make_ctx: MakeCtx) -> None:
    r = await run(make_ctx(), "find_reservation", confirmation_code="crt 8n2")
    assert r.ok and data(r)["reservations"][0]["guest_name"] == "Ben Carter"
    assert "Friday the 4th of December" in r.speech
    r = await run(make_ctx(caller=BEN), "find_reservation")
    assert r.ok and data(r)["reservations"][0]["confirmation_code"] == "CRT8N2"
    r = await run(make_ctx(), "find_reservation", guest_name="chloe davies",
                  check_in=TODAY.isoformat())
    assert r.ok and data(r)["reservations"][0]["room_number"] == "112"
    r = await run(make_ctx(), "find_reservation", phone="+44 7700 900101",
                  check_in=(TODAY - dt.timedelta(days=1)).isoformat())  # Alice, in since
    assert r.ok and "checked in" in r.speech                           # yesterday
    r = await run(make_ctx(caller=ALICE), "find_reservation", phone="+44 7700 900101")
    assert r.ok  # the caller's own number needs no date


async def test_find_reservation_by_a_code_misheard_by_one_soundalike_letter(
        make_ctx: MakeCtx) -> None:
    r = await run(make_ctx(), "find_reservation", confirmation_code="crt 8m2")  # N heard as M
    assert r.ok and data(r)["reservations"][0]["confirmation_code"] == "CRT8N2"
    assert r.speech.startswith("I can't find C, R, T, 8, M, 2, but one booking's code sounds"), \
        r.speech
    r = await run(make_ctx(), "modify_reservation", confirmation_code="crt 8m2", nights=3)
    assert r.error and r.error.code is E.NOT_FOUND  # only a lookup guesses, never a change


async def test_find_reservation_not_found(make_ctx: MakeCtx) -> None:
    r = await run(make_ctx(), "find_reservation", confirmation_code="ZZZZZZ")
    assert r.error and r.error.code is E.NOT_FOUND
    r = await run(make_ctx(caller="+447700900999"), "find_reservation")
    assert r.error and r.error.code is E.NOT_FOUND
    assert r.error.question and "confirmation code" in r.error.question
    r = await run(make_ctx(), "find_reservation", guest_name="Nobody Here",
                  check_in=TODAY.isoformat())
    assert r.error and r.error.code is E.NOT_FOUND


async def test_a_name_finds_a_booking_only_with_its_arrival_date(make_ctx: MakeCtx) -> None:
    """Anyone can say a guest's name: the booking's details and code are read out only when
    the arrival date matches as well."""
    r = await run(make_ctx(), "find_reservation", guest_name="Ben Carter")
    assert r.error and r.error.code is E.MISSING_ARGUMENT and r.error.field == "check_in"
    assert r.speech == "And what's the arrival date?" and "reservations" not in data(r)
    r = await run(make_ctx(), "find_reservation", guest_name="Ben Carter",
                  check_in=(TODAY + dt.timedelta(days=1)).isoformat())
    assert r.error and r.error.code is E.NOT_FOUND and "CRT8N2" not in r.speech
    r = await run(make_ctx(), "find_reservation", guest_name="ben carter",
                  check_in="2026-12-04")  # next Friday
    assert r.ok and data(r)["reservations"][0]["confirmation_code"] == "CRT8N2"
    # A phone number said aloud is the same: anyone can say one.
    r = await run(make_ctx(caller=STRANGER), "find_reservation", phone="07700 900102")
    assert r.error and r.error.code is E.MISSING_ARGUMENT and r.error.field == "check_in"
    r = await run(make_ctx(caller=STRANGER), "find_reservation", phone="07700 900102",
                  check_in="2026-12-05")
    assert r.error and r.error.code is E.NOT_FOUND


async def test_modify_reservation_nights_and_room_type(make_ctx: MakeCtx, db: Database) -> None:
    ctx = make_ctx(caller=BEN)
    r = await run(ctx, "modify_reservation", nights=3)  # the caller's only booking
    assert r.ok, r
    assert r.data["total_pence"] == 36000 and r.data["check_out"] == "2026-12-07"
    assert len(await _nights(db, "CRT8N2")) == 3
    assert (await _reservation(db, "CRT8N2")).room_id is not None
    r = await run(ctx, "modify_reservation", confirmation_code="CRT8N2", room_type="family",
                  guests=4, rate_plan="bnb")
    assert r.ok and r.data["room_type"] == "Family Room" and r.data["total_pence"] == 3 * 26000
    assert "three nights" in r.speech


async def test_modify_reservation_errors_roll_back(make_ctx: MakeCtx, db: Database) -> None:
    ctx = make_ctx(caller=BEN)
    before = await _nights(db, "CRT8N2")
    r = await run(ctx, "modify_reservation", confirmation_code="CRT8N2", check_in="2026-11-01")
    assert r.error and r.error.code is E.DATE_IN_PAST
    r = await run(ctx, "modify_reservation", confirmation_code="CRT8N2", guests=5)
    assert r.error and r.error.code is E.TOO_MANY_GUESTS
    assert await _nights(db, "CRT8N2") == before
    r = await run(ctx, "modify_reservation", confirmation_code="CRT8N2")
    assert r.error and r.error.code is E.MISSING_ARGUMENT
    assert r.speech == "What would you like to change?"
    r = await run(ctx, "modify_reservation", confirmation_code="MRG4X7", room_type="suite")
    assert r.error and r.error.code is E.NOT_ALLOWED  # Alice is checked in
    r = await run(make_ctx(), "modify_reservation", nights=2)
    assert r.error and r.error.code is E.MISSING_ARGUMENT
    assert r.error.field == "confirmation_code"


async def _rooms_held(db: Database, code: str) -> set[int]:
    async with db.session() as s:
        res = await s.scalar(select(Reservation).where(Reservation.code == code))
        assert res is not None
        return set((await s.scalars(select(ReservationNight.room_id).where(
            ReservationNight.reservation_id == res.id))).all())


async def test_a_guest_in_house_stays_longer_or_leaves_sooner_in_their_room(
        make_ctx: MakeCtx, db: Database) -> None:
    ctx = make_ctx(caller=ALICE)  # Deluxe King 305, B&B, arrived yesterday, leaves on the 3rd
    room = await _rooms_held(db, "MRG4X7")
    r = await run(ctx, "modify_reservation", nights=4)
    assert r.ok, r
    assert r.data["check_out"] == "2026-12-04" and r.data["total_pence"] == 4 * 21000
    assert r.data["status"] == "checked_in" and r.data["room_number"] == "305"
    assert "leaving Friday the 4th of December, four nights in all" in r.speech
    assert "Check-out that day is by eleven" in r.speech
    assert len(await _nights(db, "MRG4X7")) == 4 and await _rooms_held(db, "MRG4X7") == room
    r = await run(ctx, "modify_reservation", check_out="2026-12-02", room_type="deluxe king")
    assert r.ok and r.data["nights"] == 2 and r.data["total_pence"] == 2 * 21000
    assert await _nights(db, "MRG4X7") == [dt.date(2026, 11, 30), dt.date(2026, 12, 1)]


async def test_a_guest_in_house_can_change_only_their_departure(make_ctx: MakeCtx,
                                                                  db: Database) -> None:
    ctx = make_ctx(caller=ALICE)
    before = await _nights(db, "MRG4X7")
    for args in ({"guests": 2, "nights": 4}, {"room_type": "suite"}, {"rate_plan": "room_only"},
                 {"check_in": "2026-12-01", "nights": 2}):
        r = await run(ctx, "modify_reservation", **args)
        assert r.error and r.error.code is E.NOT_ALLOWED, args
        assert r.speech.endswith("Shall I put you through to the front desk?")
    r = await run(ctx, "modify_reservation", check_out=TODAY.isoformat())  # leaving today
    assert r.error and r.error.code is E.INVALID_DATES and "front desk" in r.speech
    r = await run(ctx, "modify_reservation")
    assert r.error and r.error.code is E.MISSING_ARGUMENT
    assert await _nights(db, "MRG4X7") == before


async def test_a_guest_in_house_stays_longer_only_if_their_room_is_free(
        make_ctx: MakeCtx, db: Database) -> None:
    other = make_ctx(caller="+447700900555")
    for _ in range(5):  # rooms 301-305 on the 3rd: the fifth is Alice's
        assert (await run(other, "make_reservation", room_type="king", check_in="2026-12-03",
                          nights=1, guests=1, guest_name="Kim Taken")).ok
    ctx = make_ctx(caller=ALICE)
    r = await run(ctx, "modify_reservation", nights=4)
    assert r.error and r.error.code is E.NO_AVAILABILITY
    assert "room three oh five is booked" in r.speech
    assert "moving you to another Deluxe King" in r.speech and r.data["other_rooms"] == 3
    for _ in range(3):
        assert (await run(other, "make_reservation", room_type="king", check_in="2026-12-03",
                          nights=1, guests=1, guest_name="Kim Taken")).ok
    r = await run(ctx, "modify_reservation", nights=4)
    assert r.error and "no other Deluxe King free" in r.speech
    assert len(await _nights(db, "MRG4X7")) == 3  # untouched
    r = await run(ctx, "modify_reservation", nights=2)  # leaving sooner needs no other room
    assert r.ok and r.data["check_out"] == "2026-12-02"


async def test_modify_reservation_no_room_left(make_ctx: MakeCtx, db: Database) -> None:
    ctx = make_ctx(caller="+447700900555")
    for _ in range(2):
        assert (await run(ctx, "make_reservation", room_type="suite", check_in="2026-12-04",
                          nights=1, guests=2, guest_name="Suite Taker")).ok
    r = await run(make_ctx(caller=BEN), "modify_reservation", room_type="suite")
    assert r.error and r.error.code is E.NO_AVAILABILITY
    assert len(await _nights(db, "CRT8N2")) == 2  # untouched


async def test_cancel_free_before_deadline(make_ctx: MakeCtx, db: Database) -> None:
    r = await run(make_ctx(caller=BEN), "cancel_reservation", confirmation_code="CRT8N2")
    assert r.ok and r.data["charge_pence"] == 0 and "no charge" in r.speech
    res = await _reservation(db, "CRT8N2")
    assert res.status == "cancelled" and res.cancellation_charge_pence == 0
    assert await _nights(db, "CRT8N2") == []
    r = await run(make_ctx(caller=BEN), "cancel_reservation", confirmation_code="CRT8N2")
    assert r.error and r.error.code is E.NOT_ALLOWED


async def test_cancel_late_charges_first_night(make_ctx: MakeCtx, clock: Clock,
                                               db: Database) -> None:
    ctx = make_ctx(caller="+447700900444")
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    made = await run(ctx, "make_reservation", room_type="double", check_in=tomorrow, nights=2,
                     guests=1, guest_name="Late Larry")
    code = str(made.data["confirmation_code"])
    clock.set_local(TODAY, 16, 0)  # past 15:00 today = 24 h before tomorrow's check-in
    r = await run(ctx, "cancel_reservation", confirmation_code=code)
    assert r.error and r.error.code is E.CONFIRMATION_REQUIRED
    assert "one hundred and twenty pounds" in r.speech
    assert r.error.question == "Would you still like to cancel?"
    assert (await _reservation(db, code)).status == "confirmed"
    r = await run(ctx, "cancel_reservation", confirmation_code=code, accept_charge=True)
    assert r.ok and r.data["charge_pence"] == 12000
    assert "one hundred and twenty pounds, will be charged" in r.speech
    res = await _reservation(db, code)
    assert res.status == "cancelled" and res.cancellation_charge_pence == 12000


async def test_cancel_just_before_deadline_is_free(make_ctx: MakeCtx, clock: Clock) -> None:
    clock.set_local(dt.date(2026, 12, 3), 14, 59)  # Ben arrives on the 4th at 15:00
    r = await run(make_ctx(), "cancel_reservation", confirmation_code="CRT8N2")
    assert r.ok and r.data["charge_pence"] == 0


async def test_cancel_checked_in_is_refused(make_ctx: MakeCtx) -> None:
    r = await run(make_ctx(caller=ALICE), "cancel_reservation", confirmation_code="MRG4X7")
    assert r.error and r.error.code is E.NOT_ALLOWED
    r = await run(make_ctx(), "cancel_reservation", confirmation_code="NOPE22")
    assert r.error and r.error.code is E.NOT_FOUND
