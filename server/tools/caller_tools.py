"""Knowing the caller and saying things well: caller history, speech formatting."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select

from server.db.models import VoiceCall
from server.hotel import lookup
from server.hotel.enums import (
    CallbackStatus,
    RequestStatus,
    ReservationStatus,
)
from server.hotel.models import (
    Callback,
    Reservation,
    Room,
    ServiceRequest,
)
from server.hotel.phones import to_e164
from server.hotel.speech_format import (
    say_code,
    say_date,
    say_datetime,
    say_money,
    say_number,
    say_phone,
    say_relative_date,
    say_room,
    say_time,
)
from server.hotel.timeutil import as_utc
from server.tools.invocation import Invocation
from server.tools.registry import tool
from server.tools.results import (
    JSONObject,
    JSONValue,
    ToolErrorCode,
    ToolFailure,
    ToolResult,
    success,
)
from server.tools.shared_args import PHONE

E = ToolErrorCode


@tool("get_caller_history",
      "What we know about a caller by phone number (defaults to the caller): name, previous "
      "calls, stays, open requests and pending callbacks.",
      {"phone": PHONE}, questions={"phone": "What number is the booking under?"})
async def get_caller_history(inv: Invocation) -> ToolResult:
    a, ctx, hotel = inv.args, inv.ctx, inv.the_hotel
    raw = a.opt_text("phone")
    phone = to_e164(raw) if raw else ctx.caller_e164
    if phone is None:
        raise (a.invalid("phone", "I didn't catch that number.") if raw
               else a.missing("phone"))
    today = ctx.today()
    guests = await lookup.guests_by_phone(inv.db, hotel.id, phone)
    call_q = select(func.count(VoiceCall.id), func.max(VoiceCall.started_at)).where(
        VoiceCall.caller.in_([phone, raw or phone]))
    if ctx.call_id:
        call_q = call_q.where(VoiceCall.id != ctx.call_id)
    n_calls, last_call = (await inv.db.execute(call_q)).one()
    guest_ids = [g.id for g in guests]
    stays = list((await inv.db.scalars(select(Reservation).where(
        Reservation.guest_id.in_(guest_ids)).order_by(Reservation.check_in.desc())
        .limit(10))).all()) if guest_ids else []
    rooms = {r.id: r for r in (await inv.db.scalars(select(Room).where(
        Room.id.in_([s.room_id for s in stays if s.room_id])))).all()} if stays else {}
    types = {t.id: t for t in await lookup.room_types(inv.db, hotel.id)}
    open_reqs = list((await inv.db.scalars(select(ServiceRequest).where(
        ServiceRequest.guest_id.in_(guest_ids),
        ServiceRequest.status.in_([RequestStatus.OPEN.value, RequestStatus.IN_PROGRESS.value]))
        .order_by(ServiceRequest.id))).all()) if guest_ids else []
    callbacks = list((await inv.db.scalars(select(Callback).where(
        Callback.phone == phone, Callback.status == CallbackStatus.SCHEDULED.value)
        .order_by(Callback.due_at))).all())
    stays_json: list[JSONValue] = [
        {"confirmation_code": s.code, "room_type": types[s.room_type_id].name,
         "room_number": rooms[s.room_id].number if s.room_id in rooms else None,
         "check_in": s.check_in.isoformat(), "check_out": s.check_out.isoformat(),
         "status": s.status} for s in stays]
    data: JSONObject = {
        "phone": phone, "known": bool(guests or n_calls),
        "names": [g.name for g in guests], "notes": [g.notes for g in guests if g.notes],
        "previous_calls": int(n_calls or 0),
        "last_call_at": as_utc(last_call).isoformat() if last_call else None,
        "stays": stays_json,
        "open_requests": [{"id": r.id, "kind": r.kind, "status": r.status} for r in open_reqs],
        "pending_callbacks": [{"id": c.id, "due_at": as_utc(c.due_at).isoformat()}
                              for c in callbacks]}
    if not guests:
        calls = (f" You've called us {say_number(int(n_calls))} "
                 f"{'time' if n_calls == 1 else 'times'} before." if n_calls else "")
        return success(inv.tool, f"I don't have any stays under this number.{calls}", data)
    first = guests[0].name.split()[0]
    parts = [f"Welcome back, {first}."]
    current = next((s for s in stays if s.status == ReservationStatus.CHECKED_IN.value), None)
    upcoming = [s for s in stays if s.status == ReservationStatus.CONFIRMED.value
                and s.check_in >= today]
    if current is not None and current.room_id in rooms:
        parts.append(f"You're in {say_room(rooms[current.room_id].number)} until "
                     f"{say_relative_date(current.check_out, today)}.")
    if upcoming:
        nxt = min(upcoming, key=lambda s: s.check_in)
        parts.append(f"You have a {types[nxt.room_type_id].name} booked from "
                     f"{say_relative_date(nxt.check_in, today)}.")
    if open_reqs:
        parts.append(f"You have {say_number(len(open_reqs))} open "
                     f"{'request' if len(open_reqs) == 1 else 'requests'} with us.")
    return success(inv.tool, " ".join(parts), data)


FORMAT_KINDS = ("date", "time", "datetime", "money", "room", "phone", "number", "code")


@tool("format_for_voice",
      "Turn a date (YYYY-MM-DD), time (HH:MM), datetime, money (pounds, e.g. 120.50), room "
      "number, phone number, number or confirmation code into natural spoken English.",
      {"kind": {"type": "string", "enum": list(FORMAT_KINDS)}, "value": {"type": "string"}},
      ("kind", "value"), uses_db=False)
async def format_for_voice(inv: Invocation) -> ToolResult:
    kind, value = inv.args.text("kind"), inv.args.text("value")
    today = inv.ctx.today()
    try:
        if kind == "date":
            spoken = say_date(dt.date.fromisoformat(value), today=today)
        elif kind == "time":
            spoken = say_time(dt.time.fromisoformat(value))
        elif kind == "datetime":
            spoken = say_datetime(dt.datetime.fromisoformat(value), today=today)
        elif kind == "money":
            pounds = Decimal(value.replace("£", "").replace(",", "").strip())
            spoken = say_money(int((pounds * 100).to_integral_value()))
        elif kind == "room":
            spoken = say_room(value)
        elif kind == "phone":
            e164 = to_e164(value)
            if e164 is None:
                raise ValueError(value)
            spoken = say_phone(e164)
        elif kind == "number":
            spoken = say_number(int(value))
        else:
            spoken = say_code(value)
    except (ValueError, InvalidOperation):
        raise ToolFailure(E.INVALID_ARGUMENT, f"I can't read {value!r} as a {kind}.",
                          field="value") from None
    return success(inv.tool, spoken, {"kind": kind, "value": value, "spoken": spoken})
