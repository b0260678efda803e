"""Reservation tools: check_availability, make/find/modify/cancel_reservation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from server.hotel import booking, lookup
from server.hotel.enums import RatePlan, ReservationStatus
from server.hotel.models import Guest, Reservation, Room, RoomType
from server.hotel.phones import to_e164
from server.hotel.speech_format import (
    say_code,
    say_date,
    say_guests,
    say_list,
    say_money,
    say_nights,
    say_number,
    say_room,
    say_time,
)
from server.hotel.timeutil import as_utc
from server.tools.invocation import Invocation
from server.tools.registry import tool
from server.tools.results import JSONObject, ToolErrorCode, ToolFailure, ToolResult, success

E = ToolErrorCode

DATE = {"type": "string", "format": "date", "description": "YYYY-MM-DD (hotel-local)"}
NIGHTS = {"type": "integer", "minimum": 1, "description": "number of nights (instead of "
                                                          "check_out)"}
GUESTS = {"type": "integer", "minimum": 1, "description": "number of guests"}
ROOM_TYPE = {"type": "string", "description": "Standard Double, Standard Twin, Deluxe King, "
                                              "Family Room or Harbor Suite"}
RATE_PLAN = {"type": "string", "enum": [p.value for p in RatePlan],
             "description": "room_only, or bnb (bed and breakfast)"}
CODE = {"type": "string", "description": "the booking's confirmation code"}

QUESTIONS = {
    "check_in": "Which date would you like to arrive?",
    "check_out": "Which date would you like to leave?",
    "nights": "How many nights would you like to stay?",
    "guests": "How many guests will be staying?",
    "room_type": "Which type of room would you like: a Standard Double, Standard Twin, "
                 "Deluxe King, Family Room or the Harbor Suite?",
    "rate_plan": "Would you like room only, or bed and breakfast?",
    "guest_name": "May I have the name for the booking?",
    "phone": "What's the best phone number for the booking?",
    "confirmation_code": "Could you give me the confirmation code?",
    "accept_charge": "Would you still like to cancel?",
}
INVALID = {"nights": E.INVALID_DATES, "guests": E.INVALID_ARGUMENT}


def _plan_words(plan: RatePlan) -> str:
    return "bed and breakfast" if plan is RatePlan.BNB else "room only"


async def _stay(inv: Invocation, check_in: dt.date | None = None,
                check_out: dt.date | None = None, nights: int | None = None) -> booking.Stay:
    """Check-in plus check-out or nights, validated against today and the limits."""
    a = inv.args
    check_in = check_in or a.date("check_in")
    today = inv.ctx.today()
    if check_in < today:
        raise ToolFailure(E.DATE_IN_PAST, f"{say_date(check_in, today=today)} has already "
                          "passed.", question=QUESTIONS["check_in"], field="check_in")
    if check_in > today + dt.timedelta(days=booking.BOOKING_HORIZON_DAYS):
        raise ToolFailure(E.INVALID_ARGUMENT, "We take bookings up to a year ahead.",
                          question=QUESTIONS["check_in"], field="check_in")
    nights = nights if nights is not None else a.opt_integer("nights")
    check_out = check_out or a.opt_date("check_out")
    if check_out is None and nights is None:
        raise a.missing("nights")
    if check_out is None:
        assert nights is not None
        check_out = check_in + dt.timedelta(days=nights)
    stay = booking.Stay(check_in, check_out)
    if stay.nights < 1:
        raise ToolFailure(E.INVALID_DATES, "The stay needs to be at least one night.",
                          question=QUESTIONS["nights"], field="nights")
    if stay.nights > booking.MAX_NIGHTS:
        raise ToolFailure(E.INVALID_DATES, f"I can book up to {say_number(booking.MAX_NIGHTS)} "
                          "nights at a time.", question=QUESTIONS["nights"], field="nights")
    return stay


async def _room_type(inv: Invocation, query: str) -> RoomType:
    rt = await lookup.match_room_type(inv.db, inv.the_hotel.id, query)
    if rt is None:
        raise ToolFailure(E.UNKNOWN_ROOM_TYPE, f"We don't have a room type called {query}.",
                          question=QUESTIONS["room_type"], field="room_type")
    return rt


async def _check_fits(inv: Invocation, rt: RoomType, guests: int) -> None:
    if guests <= rt.max_guests:
        return
    types = await lookup.room_types(inv.db, inv.the_hotel.id)
    bigger = [t.name for t in types if t.max_guests >= guests]
    if bigger:
        q = f"Would you like a {say_list(bigger).replace(' and ', ' or ')} instead?"
    else:
        most = max(t.max_guests for t in types)
        q = (f"Our largest rooms sleep {say_number(most)}. Would you like to book more than "
             "one room?")
    raise ToolFailure(E.TOO_MANY_GUESTS, f"The {rt.name} sleeps up to "
                      f"{say_number(rt.max_guests)}.", question=q, field="guests",
                      data={"max_guests": rt.max_guests, "suggested_room_types": list(bigger)})


def _reservation_json(r: Reservation, rt: RoomType, guest: Guest,
                      room: Room | None = None) -> JSONObject:
    return {"confirmation_code": r.code, "guest_name": guest.name, "phone": guest.phone,
            "room_type": rt.name, "room_type_code": rt.code, "check_in": r.check_in.isoformat(),
            "check_out": r.check_out.isoformat(), "nights": (r.check_out - r.check_in).days,
            "guests": r.guests, "rate_plan": r.rate_plan, "status": r.status,
            "total_pence": r.total_pence,
            "room_number": room.number if room and r.status == "checked_in" else None}


def _describe(r: Reservation, rt: RoomType, today: dt.date) -> str:
    nights = (r.check_out - r.check_in).days
    return (f"a {rt.name} for {say_guests(r.guests)}, arriving {say_date(r.check_in, today=today)}"
            f" and leaving {say_date(r.check_out, today=today)}, {say_nights(nights)}, "
            f"{_plan_words(RatePlan(r.rate_plan))}, {say_money(r.total_pence)} in total")


async def _pick_room(inv: Invocation, rt: RoomType, stay: booking.Stay,
                     reservation_id: int | None = None, prefer_room: int | None = None) -> Room:
    """A free room of the type for every night (the caller's own nights excluded)."""
    rooms = await booking.free_rooms(inv.db, rt.id, stay, exclude_reservation=reservation_id)
    if not rooms:
        raise ToolFailure(E.NO_AVAILABILITY, f"I'm sorry, we have no {rt.name} free for those "
                          "dates.", question="Would you like me to check another room type or "
                                             "different dates?",
                          data={"room_type": rt.name, "check_in": stay.check_in.isoformat(),
                                "check_out": stay.check_out.isoformat()})
    return next((r for r in rooms if r.id == prefer_room), rooms[0])


@tool("check_availability",
      "Check which room types are free for a stay, with nightly prices. Use before booking.",
      {"check_in": DATE, "check_out": DATE, "nights": NIGHTS, "guests": GUESTS,
       "room_type": ROOM_TYPE},
      ("check_in",), questions=QUESTIONS, invalid_codes=INVALID)
async def check_availability(inv: Invocation) -> ToolResult:
    a, hotel = inv.args, inv.the_hotel
    stay = await _stay(inv)
    guests = a.integer("guests", default=1)
    only = None
    if a.opt_text("room_type"):
        rt = await _room_type(inv, a.text("room_type"))
        await _check_fits(inv, rt, guests)
        only = [rt.id]
    avail = [x for x in await booking.availability(inv.db, hotel.id, stay, only)
             if x.room_type.max_guests >= guests]
    if not avail:
        raise await _guests_problem(inv, guests)
    free = [x for x in avail if x.free_rooms > 0]
    today = inv.ctx.today()
    when = (f"arriving {say_date(stay.check_in, today=today)} for "
            f"{say_nights(stay.nights)}")
    data: JSONObject = {
        "check_in": stay.check_in.isoformat(), "check_out": stay.check_out.isoformat(),
        "nights": stay.nights, "guests": guests,
        "room_types": [{"room_type": x.room_type.name, "code": x.room_type.code,
                        "free_rooms": x.free_rooms, "max_guests": x.room_type.max_guests,
                        "room_only_pence": x.room_type.rate_room_only_pence,
                        "bnb_pence": x.room_type.rate_bnb_pence} for x in avail]}
    if not free:
        raise ToolFailure(E.NO_AVAILABILITY, f"I'm sorry, we're fully booked {when}.",
                          question="Would you like to try different dates?", data=data)
    offers = [f"a {x.room_type.name} at {say_money(x.room_type.rate_room_only_pence)} a night"
              for x in free[:3]]  # three options is as much as a listener holds on to
    if len(free) > 3:
        more = len(free) - 3
        offers.append(f"{say_number(more)} other room {'type' if more == 1 else 'types'}")
    return success(inv.tool, f"Yes, {when} we have {say_list(offers)}, room only. "
                   "Bed and breakfast is available too.", data)


async def _guests_problem(inv: Invocation, guests: int) -> ToolFailure:
    types = await lookup.room_types(inv.db, inv.the_hotel.id)
    most = max(t.max_guests for t in types)
    return ToolFailure(E.TOO_MANY_GUESTS, f"Our largest rooms sleep {say_number(most)}.",
                       question="Would you like to book more than one room?", field="guests")


async def _guest_for(inv: Invocation, name: str, phone: str | None) -> Guest:
    hotel = inv.the_hotel
    if phone:
        for g in await lookup.guests_by_phone(inv.db, hotel.id, phone):
            if g.name.lower() == name.lower():
                return g
    guest = Guest(hotel_id=hotel.id, name=name, phone=phone)
    inv.db.add(guest)
    await inv.db.flush()
    return guest


def _phone_arg(inv: Invocation) -> str | None:
    raw = inv.args.opt_text("phone")
    if raw is None:
        return inv.ctx.caller_e164
    phone = to_e164(raw)
    if phone is None:
        raise inv.args.invalid("phone", "I didn't catch that number.")
    return phone


@tool("make_reservation",
      "Book a room. Confirm the details with the guest first; returns a confirmation code.",
      {"room_type": ROOM_TYPE, "check_in": DATE, "check_out": DATE, "nights": NIGHTS,
       "guests": GUESTS, "rate_plan": RATE_PLAN,
       "guest_name": {"type": "string", "description": "full name for the booking"},
       "phone": {"type": "string", "description": "contact number; defaults to the caller's"}},
      ("room_type", "check_in", "guests", "guest_name"), questions=QUESTIONS,
      invalid_codes=INVALID, retry_on_conflict=True)
async def make_reservation(inv: Invocation) -> ToolResult:
    a, hotel = inv.args, inv.the_hotel
    rt = await _room_type(inv, a.text("room_type"))
    stay = await _stay(inv)
    guests = a.integer("guests")
    await _check_fits(inv, rt, guests)
    plan = RatePlan(a.opt_text("rate_plan") or RatePlan.ROOM_ONLY.value)
    phone = _phone_arg(inv)
    if phone is None:
        raise a.missing("phone")
    name = " ".join(a.text("guest_name").split())
    # Read first, write after: if another booking takes the room in between, inserting its
    # nights fails on the (room_id, night) key and the executor re-runs this transaction.
    room = await _pick_room(inv, rt, stay)
    guest = await _guest_for(inv, name, phone)
    total = booking.nightly_rate(rt, plan) * stay.nights
    res = Reservation(hotel_id=hotel.id, code=booking.new_confirmation_code(), guest_id=guest.id,
                      room_type_id=rt.id, room_id=room.id, check_in=stay.check_in,
                      check_out=stay.check_out, guests=guests, rate_plan=plan.value,
                      status=ReservationStatus.CONFIRMED.value, total_pence=total,
                      call_id=inv.ctx.call_id)
    inv.db.add(res)
    await inv.db.flush()
    await booking.hold_nights(inv.db, res.id, room.id, stay)
    today = inv.ctx.today()
    return success(inv.tool, f"You're all booked, {name.split()[0]}: "
                   f"{_describe(res, rt, today)}. Your confirmation code is "
                   f"{say_code(res.code)}.", _reservation_json(res, rt, guest))


async def _load(inv: Invocation, res: Reservation) -> tuple[RoomType, Guest, Room | None]:
    rt = await inv.db.get(RoomType, res.room_type_id)
    guest = await inv.db.get(Guest, res.guest_id)
    room = await inv.db.get(Room, res.room_id) if res.room_id else None
    assert rt is not None and guest is not None
    return rt, guest, room


async def _active_for_phone(inv: Invocation, phone: str) -> list[Reservation]:
    today = inv.ctx.today()
    return list((await inv.db.scalars(
        select(Reservation).join(Guest, Guest.id == Reservation.guest_id)
        .where(Reservation.hotel_id == inv.the_hotel.id, Guest.phone == phone,
               Reservation.status.in_([ReservationStatus.CONFIRMED.value,
                                       ReservationStatus.CHECKED_IN.value]),
               Reservation.check_out >= today)
        .order_by(Reservation.check_in))).all())


async def resolve_reservation(inv: Invocation, *, for_update: bool = False) -> Reservation:
    """By confirmation code, else the caller's single upcoming/current booking."""
    a = inv.args
    code = a.opt_text("confirmation_code")
    if code:
        q = select(Reservation).where(Reservation.hotel_id == inv.the_hotel.id,
                                      Reservation.code == booking.normalize_code(code))
        if for_update:
            q = q.with_for_update()
        res = await inv.db.scalar(q)
        if res is None:
            raise ToolFailure(E.NOT_FOUND, f"I can't find a booking with the code "
                              f"{say_code(booking.normalize_code(code))}.",
                              question="Could you read the code to me again?",
                              field="confirmation_code")
        return res
    phone = inv.ctx.caller_e164
    found = await _active_for_phone(inv, phone) if phone else []
    if len(found) == 1:
        return found[0]
    raise a.missing("confirmation_code", "I need the confirmation code for that booking.")


async def _soundalike(inv: Invocation, heard: str) -> Reservation | None:
    """The one booking whose code differs from `heard` by one sound-alike character ("c r t
    eight m two" for CRT8N2), or None if none or several do. Only `find_reservation` uses it:
    the guest hears the code and details read back before anything changes."""
    variants = booking.soundalike_codes(heard)
    if not variants:
        return None
    found = list((await inv.db.scalars(select(Reservation).where(
        Reservation.hotel_id == inv.the_hotel.id, Reservation.code.in_(variants)))).all())
    return found[0] if len(found) == 1 else None


@tool("find_reservation",
      "Look up bookings by confirmation code, or by the caller's own number (the default), or "
      "by the guest's full name or another phone number together with the arrival date.",
      {"confirmation_code": CODE, "phone": {"type": "string"},
       "guest_name": {"type": "string"},
       "check_in": {**DATE, "description": "the arrival date (YYYY-MM-DD), needed with a name "
                                           "or a number other than the caller's"}},
      questions={**QUESTIONS, "check_in": "And what's the arrival date?"})
async def find_reservation(inv: Invocation) -> ToolResult:
    """A name or a phone number alone finds nothing (but the caller's own line): anyone can say
    them, so the arrival date must match too before a booking's details and code are read
    out."""
    a, hotel = inv.args, inv.the_hotel
    today = inv.ctx.today()
    found: list[Reservation]
    lead = ""
    if a.opt_text("confirmation_code"):
        try:
            found = [await resolve_reservation(inv)]
        except ToolFailure as missing:
            alike = await _soundalike(inv, a.text("confirmation_code"))
            if missing.code is not E.NOT_FOUND or alike is None:
                raise
            found = [alike]
            lead = (f"I can't find {say_code(booking.normalize_code(a.text('confirmation_code')))}"
                    f", but one booking's code sounds just like it. ")
    elif a.opt_text("guest_name"):
        arrival = a.date("check_in")
        guests = await lookup.guests_by_name(inv.db, hotel.id, a.text("guest_name"))
        found = list((await inv.db.scalars(
            select(Reservation).where(Reservation.guest_id.in_([g.id for g in guests]),
                                      Reservation.status != ReservationStatus.CANCELLED.value,
                                      Reservation.check_in == arrival,
                                      Reservation.check_out >= today)
            .order_by(Reservation.check_in))).all()) if guests else []
    else:
        phone = _phone_arg(inv)
        # A number said aloud is like a name: anyone can say it. Only the caller's own line
        # finds its bookings without the arrival date.
        check_in = a.date("check_in") if phone not in (None, inv.ctx.caller_e164) else None
        found = await _active_for_phone(inv, phone) if phone else []
        if check_in is not None:
            found = [r for r in found if r.check_in == check_in]
    if not found:
        raise ToolFailure(E.NOT_FOUND, "I couldn't find a booking.",
                          question="Could you give me the confirmation code, or the name the "
                                   "booking is under and the arrival date?")
    items: list[Any] = []
    sentences = []
    for res in found[:3]:
        rt, guest, room = await _load(inv, res)
        items.append(_reservation_json(res, rt, guest, room))
        status = ("you're checked in" if res.status == ReservationStatus.CHECKED_IN.value
                  else "it's cancelled" if res.status == ReservationStatus.CANCELLED.value
                  else "it's confirmed")
        sentences.append(f"booking {say_code(res.code)} for {guest.name}: "
                         f"{_describe(res, rt, today)}; {status}")
    lead += "I found " + ("one booking" if len(items) == 1
                          else f"{say_number(len(items))} bookings")
    return success(inv.tool, f"{lead}. " + ". ".join(s[0].upper() + s[1:] for s in sentences)
                   + ".", {"reservations": items})


@tool("modify_reservation",
      "Change a booking's dates, number of guests, room type or rate plan. Confirm with the "
      "guest first; the new total is returned. For a guest already checked in, only the "
      "departure (check_out or nights) can change, in the same room.",
      {"confirmation_code": CODE, "check_in": DATE, "check_out": DATE, "nights": NIGHTS,
       "guests": GUESTS, "room_type": ROOM_TYPE, "rate_plan": RATE_PLAN},
      questions={**QUESTIONS, "changes": "What would you like to change?"},
      invalid_codes=INVALID, retry_on_conflict=True)
async def modify_reservation(inv: Invocation) -> ToolResult:
    a = inv.args
    res = await resolve_reservation(inv, for_update=True)
    if res.status == ReservationStatus.CHECKED_IN.value:
        return await _change_departure(inv, res)
    if res.status != ReservationStatus.CONFIRMED.value:
        raise ToolFailure(E.NOT_ALLOWED, "That booking can't be changed by phone because it's "
                          f"{res.status.replace('_', ' ')}.",
                          question=FRONT_DESK)
    if not any(k in a for k in ("check_in", "check_out", "nights", "guests", "room_type",
                                "rate_plan")):
        raise a.missing("changes")
    rt, guest, _ = await _load(inv, res)
    if a.opt_text("room_type"):
        rt = await _room_type(inv, a.text("room_type"))
    check_in = a.opt_date("check_in") or res.check_in
    nights = a.opt_integer("nights")
    check_out = a.opt_date("check_out")
    if check_out is None and nights is None:
        check_out = check_in + (res.check_out - res.check_in)
    stay = await _stay(inv, check_in=check_in, check_out=check_out, nights=nights)
    guests = a.integer("guests", default=res.guests)
    await _check_fits(inv, rt, guests)
    plan = RatePlan(a.opt_text("rate_plan") or res.rate_plan)
    room = await _pick_room(inv, rt, stay, res.id, prefer_room=res.room_id)
    await booking.release_nights(inv.db, res.id)
    await booking.hold_nights(inv.db, res.id, room.id, stay)
    res.room_type_id, res.room_id = rt.id, room.id
    res.check_in, res.check_out, res.guests, res.rate_plan = (stay.check_in, stay.check_out,
                                                              guests, plan.value)
    res.total_pence = booking.nightly_rate(rt, plan) * stay.nights
    res.updated_at = as_utc(inv.ctx.clock())
    return success(inv.tool, f"Done. Your booking is now {_describe(res, rt, inv.ctx.today())}."
                   f" The confirmation code stays {say_code(res.code)}.",
                   _reservation_json(res, rt, guest))


FRONT_DESK = "Shall I put you through to the front desk?"


async def _change_departure(inv: Invocation, res: Reservation) -> ToolResult:
    """A stay that has started: the guest stays longer or leaves sooner, in the room they are
    in. Anything else (another room, the guests, the rate) is for the front desk."""
    a = inv.args
    rt, guest, room = await _load(inv, res)
    other_type = bool(a.opt_text("room_type")) and \
        (await _room_type(inv, a.text("room_type"))).id != rt.id
    if other_type or room is None or a.opt_date("check_in") not in (None, res.check_in) or \
            a.opt_integer("guests") not in (None, res.guests) or \
            a.opt_text("rate_plan") not in (None, res.rate_plan):
        raise ToolFailure(E.NOT_ALLOWED, "You're already checked in, so the front desk will "
                          "need to make that change.", question=FRONT_DESK)
    nights = a.opt_integer("nights")
    check_out = a.opt_date("check_out") or (
        res.check_in + dt.timedelta(days=nights) if nights is not None else None)
    if check_out is None:
        raise a.missing("changes")
    today = inv.ctx.today()
    if check_out <= today:
        raise ToolFailure(E.INVALID_DATES, "I can move your departure to tomorrow or later. "
                          "If you're leaving today, the front desk will check you out.",
                          question=FRONT_DESK)
    stay = booking.Stay(res.check_in, check_out)
    if stay.nights > booking.MAX_NIGHTS:
        raise ToolFailure(E.INVALID_DATES, f"I can book up to {say_number(booking.MAX_NIGHTS)} "
                          "nights at a time.", question=FRONT_DESK)
    free = await booking.free_rooms(inv.db, rt.id, stay, exclude_reservation=res.id)
    if room.id not in {r.id for r in free}:
        moving = (f"the front desk can see about moving you to another {rt.name}" if free
                  else f"we have no other {rt.name} free then either")
        raise ToolFailure(E.NO_AVAILABILITY, f"I'm sorry, {say_room(room.number)} is "
                          f"booked for those nights, and {moving}.", question=FRONT_DESK,
                          data={"room_type": rt.name, "check_out": check_out.isoformat(),
                                "other_rooms": len(free)})
    await booking.release_nights(inv.db, res.id)
    await booking.hold_nights(inv.db, res.id, room.id, stay)
    res.check_out = stay.check_out
    res.total_pence = booking.nightly_rate(rt, RatePlan(res.rate_plan)) * stay.nights
    res.updated_at = as_utc(inv.ctx.clock())
    return success(inv.tool, f"Done. You're now leaving {say_date(stay.check_out, today=today)}"
                   f", {say_nights(stay.nights)} in all, {say_money(res.total_pence)} in total. "
                   f"Check-out that day is by {say_time(inv.the_hotel.check_out_time)}.",
                   _reservation_json(res, rt, guest, room))


@tool("cancel_reservation",
      "Cancel a booking. Free until 24 hours before check-in; after that the first night is "
      "charged, and the guest must accept the charge (accept_charge=true) before cancelling.",
      {"confirmation_code": CODE,
       "accept_charge": {"type": "boolean",
                         "description": "the guest agreed to the late-cancellation charge"}},
      questions=QUESTIONS)
async def cancel_reservation(inv: Invocation) -> ToolResult:
    a, hotel = inv.args, inv.the_hotel
    res = await resolve_reservation(inv, for_update=True)
    if res.status == ReservationStatus.CANCELLED.value:
        raise ToolFailure(E.NOT_ALLOWED, "That booking is already cancelled.")
    if res.status != ReservationStatus.CONFIRMED.value:
        raise ToolFailure(E.NOT_ALLOWED, "You're already checked in, so I can't cancel that "
                          "booking.", question="Would you like to speak to the front desk about "
                                               "checking out early?")
    rt, guest, _ = await _load(inv, res)
    nightly = booking.nightly_rate(rt, RatePlan(res.rate_plan))
    terms = booking.cancellation_terms(res, hotel.check_in_time, inv.ctx.tz, inv.ctx.now(),
                                       nightly)
    data = _reservation_json(res, rt, guest)
    data["charge_pence"] = terms.charge_pence
    if not terms.free and not a.flag("accept_charge"):
        raise ToolFailure(E.CONFIRMATION_REQUIRED,
                          "As it's less than twenty-four hours before check-in, cancelling now "
                          f"means the first night, {say_money(terms.charge_pence)}, is charged.",
                          question=QUESTIONS["accept_charge"], field="accept_charge", data=data)
    await booking.release_nights(inv.db, res.id)
    res.status = ReservationStatus.CANCELLED.value
    res.cancellation_charge_pence = terms.charge_pence
    res.updated_at = as_utc(inv.ctx.clock())
    data["status"] = res.status
    charge = ("There's no charge." if terms.free else
              f"The first night, {say_money(terms.charge_pence)}, will be charged.")
    return success(inv.tool, f"Your booking {say_code(res.code)} for "
                   f"{say_date(res.check_in, today=inv.ctx.today())} is cancelled. {charge}",
                   data)
