"""Reaching the guest or staff later: SMS confirmations, scheduled callbacks, voice notes."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
import wave
from pathlib import Path

from server.hotel import lookup
from server.hotel.enums import (
    CallbackStatus,
    RatePlan,
    SmsStatus,
)
from server.hotel.models import (
    Callback,
    Guest,
    Reservation,
    RoomType,
    SmsMessage,
    VoiceNote,
)
from server.hotel.phones import to_e164
from server.hotel.speech_format import (
    say_code,
    say_datetime,
    say_phone,
)
from server.hotel.timeutil import as_utc
from server.outbound import OutboundError
from server.tools.booking_tools import resolve_reservation
from server.tools.context import CapturedAudio
from server.tools.invocation import Invocation
from server.tools.registry import tool
from server.tools.results import (
    JSONObject,
    ToolErrorCode,
    ToolFailure,
    ToolResult,
    failure,
    success,
)
from server.tools.shared_args import DEPARTMENT_Q, PHONE

E = ToolErrorCode


def _sms_body(hotel_name: str, res: Reservation, rt: RoomType, guest: Guest) -> str:
    plan = "bed & breakfast" if res.rate_plan == RatePlan.BNB.value else "room only"
    return (f"{hotel_name}: booking {res.code} confirmed for {guest.name}. {rt.name}, "
            f"{res.check_in:%a %d %b %Y} to {res.check_out:%a %d %b %Y}, "
            f"{res.guests} guest{'s' if res.guests != 1 else ''}, {plan}. "
            f"Total £{res.total_pence / 100:,.2f}. Check-in from 15:00.")


@tool("send_sms_confirmation",
      "Text the booking confirmation to the guest (defaults: the caller's booking and number). "
      "Read a number the guest gave back to them and get a yes first.",
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
        raise (a.invalid("phone", "I didn't catch that number.") if raw
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
      "Arrange for the hotel to call the guest back at a given time (hotel-local time). Read "
      "the time and number back to the guest and get a yes first.",
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
        raise (a.invalid("phone", "I didn't catch that number.") if raw
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
