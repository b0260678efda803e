"""Call-handling tools: transfers, hold music, SMS, callbacks, IVR, caller history, voice notes,
staff announcements, speech formatting and ending the call."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
import wave
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import func, select

from server.db.models import VoiceCall
from server.hotel import demo_data, lookup
from server.hotel.enums import (
    CallbackStatus,
    RatePlan,
    RequestStatus,
    ReservationStatus,
    SmsStatus,
    TransferStatus,
)
from server.hotel.hold_music import hold_music
from server.hotel.models import (
    Callback,
    Guest,
    Reservation,
    Room,
    RoomType,
    ServiceRequest,
    SmsMessage,
    Transfer,
    VoiceNote,
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
from server.outbound import OutboundError
from server.tools.booking_tools import resolve_reservation
from server.tools.context import CapturedAudio, TransferTarget
from server.tools.invocation import Invocation
from server.tools.registry import tool
from server.tools.results import (
    JSONObject,
    JSONValue,
    ToolErrorCode,
    ToolFailure,
    ToolResult,
    failure,
    success,
)

E = ToolErrorCode
DEPARTMENT_Q = ("Which department would you like: the front desk, reservations, housekeeping, "
                "room service, the concierge, or the manager on duty?")
PHONE = {"type": "string", "description": "phone number; defaults to the caller's"}


def _no_hooks(what: str) -> ToolFailure:
    return ToolFailure(E.NOT_AVAILABLE_ON_THIS_CALL, f"I can't {what} on this call.")


@tool("transfer_to_human",
      "Transfer the caller to a hotel department (front desk, reservations, housekeeping, room "
      "service, concierge, manager on duty). Outside the department's hours, offers a callback.",
      {"department": {"type": "string", "description": "department name"},
       "reason": {"type": "string", "description": "why, in a few words, for the staff member"}},
      ("department",), questions={"department": DEPARTMENT_Q})
async def transfer_to_human(inv: Invocation) -> ToolResult:
    a, hotel, ctx = inv.args, inv.the_hotel, inv.ctx
    query = a.text("department")
    dept = await lookup.match_department(inv.db, hotel.id, query)
    if dept is None:
        raise ToolFailure(E.UNKNOWN_DEPARTMENT, f"We don't have a department called {query}.",
                          question=DEPARTMENT_Q, field="department")
    reason = a.opt_text("reason") or ""
    said = lookup.department_phrase(dept)
    op = lookup.opening(dept, ctx.now())
    row = Transfer(call_id=ctx.call_id, department=dept.key, reason=reason,
                   status=TransferStatus.CONNECTING.value)
    inv.db.add(row)
    await inv.db.flush()
    data: JSONObject = {"transfer_id": row.id, "department": dept.key, "name": dept.name,
                        "extension": dept.extension}
    if not op.open_now and op.next_open is not None:
        row.status = TransferStatus.CLOSED_CALLBACK_OFFERED.value
        data["next_open"] = op.next_open.isoformat()
        opens = (f"{say_time(op.next_open.time())}"
                 + (" tomorrow" if op.next_open.date() != ctx.today() else ""))
        return failure(inv.tool, E.DEPARTMENT_CLOSED,
                       f"I'm sorry, {said} is closed at the moment; they open at {opens}.",
                       question="Would you like them to call you back then?",
                       field="department", data=data)
    if ctx.hooks is None:
        row.status = TransferStatus.QUEUED.value
        data["status"] = row.status
        return success(inv.tool, f"I've let {said} know, and someone will be with you "
                       "shortly.", data)
    target = TransferTarget(dept.key, dept.name, dept.extension, reason, row.id)
    if not await ctx.hooks.transfer(target):
        row.status = TransferStatus.FAILED.value
        return failure(inv.tool, E.TRANSFER_FAILED, f"I'm sorry, I couldn't reach {said}.",
                       question="Would you like them to call you back?", data=data)
    data["status"] = row.status
    return success(inv.tool, f"I'll put you through to {said} now.", data)


@tool("play_hold_music", "Play hold music to the caller while they wait.",
      {"reason": {"type": "string"}}, uses_db=False)
async def play_hold_music(inv: Invocation) -> ToolResult:
    hooks = inv.ctx.hooks
    if hooks is None:
        raise _no_hooks("play music")
    music = await asyncio.to_thread(hold_music)
    if not await hooks.play_hold_music(music):
        raise _no_hooks("play music")
    return success(inv.tool, "Please hold for a moment.",
                   {"duration_s": music.duration_s, "sample_rate": music.sample_rate})


def _sms_body(hotel_name: str, res: Reservation, rt: RoomType, guest: Guest) -> str:
    plan = "bed & breakfast" if res.rate_plan == RatePlan.BNB.value else "room only"
    return (f"{hotel_name}: booking {res.code} confirmed for {guest.name}. {rt.name}, "
            f"{res.check_in:%a %d %b %Y} to {res.check_out:%a %d %b %Y}, "
            f"{res.guests} guest{'s' if res.guests != 1 else ''}, {plan}. "
            f"Total £{res.total_pence / 100:,.2f}. Check-in from 15:00.")


@tool("send_sms_confirmation",
      "Text the booking confirmation to the guest (defaults: the caller's booking and number).",
      {"confirmation_code": {"type": "string"}, "phone": PHONE},
      questions={"confirmation_code": "Could you give me the confirmation code?",
                 "phone": "Which mobile number should I text?"})
async def send_sms_confirmation(inv: Invocation) -> ToolResult:
    a, ctx = inv.args, inv.ctx
    res = await resolve_reservation(inv)
    rt = await inv.db.get(RoomType, res.room_type_id)
    guest = await inv.db.get(Guest, res.guest_id)
    assert rt is not None and guest is not None
    raw = a.opt_text("phone")
    to = to_e164(raw) if raw else (guest.phone or ctx.caller_e164)
    if to is None:
        raise (a.invalid("phone", f"I didn't catch that number ({raw}).") if raw
               else a.missing("phone"))
    body = _sms_body(inv.the_hotel.name, res, rt, guest)
    sms = SmsMessage(to=to, body=body, status=SmsStatus.QUEUED.value, reservation_id=res.id,
                     call_id=ctx.call_id)
    data: JSONObject = {"to": to, "body": body, "confirmation_code": res.code}
    if ctx.outbound is None:
        sms.status = SmsStatus.NOT_SENT_NO_PROVIDER.value
        inv.db.add(sms)
        await inv.db.flush()
        data.update(sms_id=sms.id, status=sms.status)
        return failure(inv.tool, E.PROVIDER_UNAVAILABLE, "Text messages aren't available "
                       "right now.", data=data,
                       speech=f"I'm sorry, I can't send texts at the moment. Your confirmation "
                              f"code is {say_code(res.code)}.")
    try:
        sent = await ctx.outbound.send_sms(to, body)
        # the provider's own status ("queued", "sent", ...), as Twilio returned it
        sms.status, sms.provider_sid = sent.status or SmsStatus.SENT.value, sent.sid
        data["provider_status"] = sent.status
    except OutboundError as exc:
        sms.status, sms.error = SmsStatus.FAILED.value, str(exc)
    inv.db.add(sms)
    await inv.db.flush()
    data.update(sms_id=sms.id, status=sms.status, provider_sid=sms.provider_sid)
    if sms.status == SmsStatus.FAILED.value:
        return failure(inv.tool, E.PROVIDER_ERROR, "The text didn't go through.", data=data,
                       speech=f"I'm sorry, the text didn't go through. Your confirmation code "
                              f"is {say_code(res.code)}.")
    return success(inv.tool, f"I've sent the confirmation by text to {say_phone(to)}.", data)


@tool("schedule_callback",
      "Arrange for the hotel to call the guest back at a given time (hotel-local time).",
      {"when": {"type": "string", "description": "ISO date-time, hotel-local, e.g. "
                                                 "2026-12-04T15:30"},
       "phone": PHONE, "reason": {"type": "string"},
       "department": {"type": "string", "description": "who should call back"}},
      ("when",),
      questions={"when": "When would be a good time for us to call you back?",
                 "phone": "What number should we call you back on?",
                 "department": DEPARTMENT_Q})
async def schedule_callback(inv: Invocation) -> ToolResult:
    a, ctx, hotel = inv.args, inv.ctx, inv.the_hotel
    when = a.opt_datetime("when", ctx.tz)
    assert when is not None
    now = ctx.now()
    if when <= now:
        raise ToolFailure(E.DATE_IN_PAST, "That time has already passed.",
                          question="When would be a good time for us to call you back?",
                          field="when")
    if when > now + dt.timedelta(days=30):
        raise a.invalid("when", "We can arrange callbacks up to thirty days ahead.")
    raw = a.opt_text("phone")
    phone = to_e164(raw) if raw else ctx.caller_e164
    if phone is None:
        raise (a.invalid("phone", f"I didn't catch that number ({raw}).") if raw
               else a.missing("phone"))
    dept_name = None
    dept_key = None
    if a.opt_text("department"):
        dept = await lookup.match_department(inv.db, hotel.id, a.text("department"))
        if dept is None:
            raise ToolFailure(E.UNKNOWN_DEPARTMENT, "We don't have that department.",
                              question=DEPARTMENT_Q, field="department")
        dept_key, dept_name = dept.key, lookup.department_phrase(dept)
    cb = Callback(hotel_id=hotel.id, phone=phone, due_at=as_utc(when),
                  reason=a.opt_text("reason") or "", department=dept_key,
                  status=CallbackStatus.SCHEDULED.value, call_id=ctx.call_id)
    inv.db.add(cb)
    await inv.db.flush()
    who = dept_name or "one of the team"
    return success(inv.tool, f"I've arranged for {who} to call you back "
                   f"{say_datetime(when, today=ctx.today())} on {say_phone(phone)}.",
                   {"callback_id": cb.id, "phone": phone, "when": when.isoformat(),
                    "department": dept_key, "status": cb.status,
                    "will_dial_automatically": ctx.outbound is not None})


def _menu_prompt(options: tuple[demo_data.IvrOption, ...]) -> str:
    return " ".join(f"For {o.label}, press {o.digit}." for o in options)


@tool("handle_ivr_menu",
      "Interpret keypad digits pressed by the caller (the whole sequence so far, e.g. '21'). "
      "Returns the department or intent chosen, or the next menu to read out.",
      {"digits": {"type": "string", "pattern": "^[0-9*#]*$", "maxLength": 8}},
      questions={"digits": "Please press a key on your keypad."}, uses_db=False)
async def handle_ivr_menu(inv: Invocation) -> ToolResult:
    digits = inv.args.opt_text("digits") or ""
    options = demo_data.IVR_MENU
    path: list[str] = []
    for d in digits.replace("#", ""):
        if d == "*":  # star: back to the main menu
            options, path = demo_data.IVR_MENU, []
            continue
        chosen = next((o for o in options if o.digit == d), None)
        if chosen is None:
            return failure(inv.tool, E.INVALID_ARGUMENT, f"Sorry, {d} isn't an option.",
                           question=_menu_prompt(options), field="digits",
                           data={"action": "menu", "path": list(path)})
        path.append(chosen.label)
        if chosen.submenu:
            options = chosen.submenu
            continue
        data: JSONObject = {"path": list(path), "label": chosen.label}
        if chosen.department:
            data.update(action="transfer", department=chosen.department)
            return success(inv.tool, f"Connecting you to {chosen.label}.", data)
        data.update(action="intent", intent=chosen.intent)
        return success(inv.tool, f"Of course. How can I help with {chosen.label}?", data)
    return success(inv.tool, _menu_prompt(options) + " To go back, press star.",
                   {"action": "menu", "path": list(path),
                    "options": [{"digit": o.digit, "label": o.label} for o in options]})


@tool("get_caller_history",
      "What we know about a caller by phone number (defaults to the caller): name, previous "
      "calls, stays, open requests and pending callbacks.",
      {"phone": PHONE}, questions={"phone": "What number is the booking under?"})
async def get_caller_history(inv: Invocation) -> ToolResult:
    a, ctx, hotel = inv.args, inv.ctx, inv.the_hotel
    raw = a.opt_text("phone")
    phone = to_e164(raw) if raw else ctx.caller_e164
    if phone is None:
        raise (a.invalid("phone", f"I didn't catch that number ({raw}).") if raw
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


def _write_wav(path: Path, audio: CapturedAudio) -> float:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(audio.sample_rate)
        w.writeframes(audio.pcm)
    return len(audio.pcm) / 2 / audio.sample_rate


@tool("record_voice_note",
      "Leave a message for staff: the caller's recent audio is saved with this transcript.",
      {"transcript": {"type": "string", "minLength": 1, "description": "the message, as heard"},
       "department": {"type": "string", "description": "who the message is for"},
       "seconds": {"type": "number", "minimum": 1, "maximum": 120,
                   "description": "how much recent caller audio to keep (default 30)"}},
      ("transcript",), questions={"transcript": "What message would you like to leave?",
                                  "department": DEPARTMENT_Q})
async def record_voice_note(inv: Invocation) -> ToolResult:
    a, ctx, hotel = inv.args, inv.ctx, inv.the_hotel
    dept_key, dept_name = None, "the front desk"
    if a.opt_text("department"):
        dept = await lookup.match_department(inv.db, hotel.id, a.text("department"))
        if dept is None:
            raise ToolFailure(E.UNKNOWN_DEPARTMENT, "We don't have that department.",
                              question=DEPARTMENT_Q, field="department")
        dept_key, dept_name = dept.key, lookup.department_phrase(dept)
    seconds = float(a.raw().get("seconds", 30))
    audio = await ctx.hooks.caller_audio(seconds) if ctx.hooks else None
    path: Path | None = None
    duration = None
    if audio is not None and audio.pcm:
        stamp = ctx.now().strftime("%Y%m%d")
        path = ctx.voice_notes_dir / stamp / f"{ctx.call_id or 'call'}-{uuid.uuid4().hex}.wav"
        duration = await asyncio.to_thread(_write_wav, path, audio)
    note = VoiceNote(call_id=ctx.call_id, phone=ctx.caller_e164, department=dept_key,
                     audio_path=str(path) if path else None, duration_s=duration,
                     transcript=a.text("transcript"))
    inv.db.add(note)
    await inv.db.flush()
    return success(inv.tool, f"I've passed your message to {dept_name}.",
                   {"voice_note_id": note.id, "audio_path": note.audio_path,
                    "duration_s": duration, "department": dept_key})


@tool("announce_to_session",
      "Staff only: speak a short message into this live call.",
      {"text": {"type": "string", "minLength": 1, "maxLength": 500}}, ("text",),
      questions={"text": "What should I say?"}, uses_db=False)
async def announce_to_session(inv: Invocation) -> ToolResult:
    hooks = inv.ctx.hooks
    text = inv.args.text("text")
    if hooks is None or not await hooks.speak_announcement(text):
        raise _no_hooks("make announcements")
    return success(inv.tool, "", {"announced": text})


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


@tool("end_call", "End the call politely once the guest has nothing else.",
      {"reason": {"type": "string"}})
async def end_call(inv: Invocation) -> ToolResult:
    return success(inv.tool, f"Thank you for calling {inv.the_hotel.name}. Goodbye!",
                   {"reason": inv.args.opt_text("reason") or "completed"}, end_call=True)

