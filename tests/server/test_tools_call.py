"""Call-handling tools: transfer, hold music, callbacks, IVR, caller history, voice notes,
announcements, speech formatting, SMS without a provider, end of call."""

from __future__ import annotations

import datetime as dt
import wave
from typing import TypeVar

import numpy as np
from sqlalchemy import select

from server.db.database import Database
from server.db.models import VoiceCall
from server.hotel.models import Callback, SmsMessage, Transfer, VoiceNote
from server.tools import ToolErrorCode as E
from server.tools.context import CapturedAudio
from tests.server.conftest import TODAY, Clock, FakeHooks, MakeCtx, data, run

ALICE = "+447700900101"


T = TypeVar("T")


async def _all(db: Database, model: type[T]) -> list[T]:
    async with db.session() as s:
        return list((await s.scalars(select(model))).all())


# --- transfer_to_human ----------------------------------------------------------------------

async def test_transfer_open_department_uses_hook(make_ctx: MakeCtx, db: Database) -> None:
    hooks = FakeHooks()
    r = await run(make_ctx(hooks=hooks), "transfer_to_human", department="Reception",
                  reason="late check-out")
    assert r.ok and r.speech == "I'll put you through to the front desk now."
    [target] = hooks.transfers
    assert (target.department, target.extension, target.reason) == ("front_desk", "100",
                                                                     "late check-out")
    [row] = await _all(db, Transfer)
    assert (row.department, row.status, row.call_id) == ("front_desk", "connecting", "call-1")


async def test_transfer_closed_department_offers_callback(make_ctx: MakeCtx, clock: Clock,
                                                          db: Database) -> None:
    clock.set_local(TODAY, 21, 0)
    hooks = FakeHooks()
    r = await run(make_ctx(hooks=hooks), "transfer_to_human", department="reservations")
    assert r.error and r.error.code is E.DEPARTMENT_CLOSED
    assert "eight o'clock in the morning tomorrow" in r.speech
    assert r.error.question == "Would you like them to call you back then?"
    assert r.data["next_open"] == "2026-12-02T08:00:00+00:00"
    assert hooks.transfers == []
    [row] = await _all(db, Transfer)
    assert row.status == "closed_callback_offered"


async def test_transfer_24h_department_at_night(make_ctx: MakeCtx, clock: Clock) -> None:
    clock.set_local(TODAY, 3, 0)
    r = await run(make_ctx(hooks=FakeHooks()), "transfer_to_human", department="manager")
    assert r.ok and r.data["extension"] == "900"


async def test_transfer_errors(make_ctx: MakeCtx, db: Database) -> None:
    r = await run(make_ctx(), "transfer_to_human", department="spa")
    assert r.error and r.error.code is E.UNKNOWN_DEPARTMENT
    assert r.error.question and "front desk" in r.error.question
    r = await run(make_ctx(), "transfer_to_human")
    assert r.error and r.error.code is E.MISSING_ARGUMENT
    r = await run(make_ctx(hooks=FakeHooks(accept=False)), "transfer_to_human",
                  department="concierge")
    assert r.error and r.error.code is E.TRANSFER_FAILED
    r = await run(make_ctx(), "transfer_to_human", department="housekeeping")
    assert r.ok and r.data["status"] == "queued"  # no live call layer: staff queue only
    assert sorted(t.status for t in await _all(db, Transfer)) == ["failed", "queued"]


# --- hold music / announcements -------------------------------------------------------------

async def test_play_hold_music_hands_pcm_to_hook(make_ctx: MakeCtx) -> None:
    hooks = FakeHooks()
    r = await run(make_ctx(hooks=hooks), "play_hold_music")
    assert r.ok and r.speech
    [music] = hooks.music
    assert music.pcm.dtype == np.int16 and music.sample_rate == 24000
    assert music.duration_s == r.data["duration_s"]
    r = await run(make_ctx(), "play_hold_music")
    assert r.error and r.error.code is E.NOT_AVAILABLE_ON_THIS_CALL


async def test_announce_to_session(make_ctx: MakeCtx) -> None:
    hooks = FakeHooks()
    r = await run(make_ctx(hooks=hooks), "announce_to_session",
                  text="Your taxi is waiting outside.")
    assert r.ok and hooks.announcements == ["Your taxi is waiting outside."]
    r = await run(make_ctx(), "announce_to_session", text="hello")
    assert r.error and r.error.code is E.NOT_AVAILABLE_ON_THIS_CALL
    r = await run(make_ctx(hooks=hooks), "announce_to_session", text="")
    assert r.error and r.error.code is E.MISSING_ARGUMENT


# --- schedule_callback ----------------------------------------------------------------------

async def test_schedule_callback(make_ctx: MakeCtx, db: Database) -> None:
    r = await run(make_ctx(caller="07700 900101"), "schedule_callback",
                  when="2026-12-02T15:30", reason="parking", department="concierge")
    assert r.ok, r
    assert r.speech == ("I've arranged for the concierge to call you back tomorrow at half past "
                        "three in the afternoon on oh seven seven hundred, nine hundred, "
                        "one oh one.")
    [cb] = await _all(db, Callback)
    assert cb.phone == ALICE and cb.status == "scheduled" and cb.department == "concierge"
    assert cb.due_at.replace(tzinfo=dt.UTC) == dt.datetime(2026, 12, 2, 15, 30, tzinfo=dt.UTC)


async def test_schedule_callback_errors(make_ctx: MakeCtx) -> None:
    ctx = make_ctx(caller=ALICE)
    r = await run(ctx, "schedule_callback", when="2026-12-01T09:00")
    assert r.error and r.error.code is E.DATE_IN_PAST
    r = await run(ctx, "schedule_callback", when="soonish")
    assert r.error and r.error.code is E.INVALID_ARGUMENT
    r = await run(ctx, "schedule_callback", when="2027-06-01T09:00")
    assert r.error and r.error.code is E.INVALID_ARGUMENT
    r = await run(ctx, "schedule_callback", when="2026-12-02T09:00", department="spa")
    assert r.error and r.error.code is E.UNKNOWN_DEPARTMENT
    r = await run(make_ctx(), "schedule_callback", when="2026-12-02T09:00")
    assert r.error and r.error.code is E.MISSING_ARGUMENT
    assert r.error.question == "What number should we call you back on?"
    r = await run(ctx, "schedule_callback")
    assert r.error and r.error.code is E.MISSING_ARGUMENT and r.error.field == "when"


# --- IVR ------------------------------------------------------------------------------------

async def test_ivr_menus(make_ctx: MakeCtx) -> None:
    ctx = make_ctx()
    r = await run(ctx, "handle_ivr_menu")
    assert r.ok and r.data["action"] == "menu"
    assert "For reservations, press 1." in r.speech
    r = await run(ctx, "handle_ivr_menu", digits="2")
    assert r.data["action"] == "menu" and "For housekeeping, press 1." in r.speech
    r = await run(ctx, "handle_ivr_menu", digits="21")
    assert r.data == {"path": ["guest services", "housekeeping"], "label": "housekeeping",
                      "action": "transfer", "department": "housekeeping"}
    r = await run(ctx, "handle_ivr_menu", digits="11")
    assert r.data["action"] == "intent" and r.data["intent"] == "make_reservation"
    r = await run(ctx, "handle_ivr_menu", digits="2*0#")
    assert r.data["department"] == "front_desk"


async def test_ivr_errors(make_ctx: MakeCtx) -> None:
    r = await run(make_ctx(), "handle_ivr_menu", digits="7")
    assert r.error and r.error.code is E.INVALID_ARGUMENT
    assert r.speech.startswith("Sorry, 7 isn't an option. For reservations, press 1.")
    r = await run(make_ctx(), "handle_ivr_menu", digits="25")
    assert r.error and r.error.question and "For housekeeping" in r.error.question
    r = await run(make_ctx(), "handle_ivr_menu", digits="one")
    assert r.error and r.error.code is E.INVALID_ARGUMENT and r.error.field == "digits"


# --- caller history -------------------------------------------------------------------------

async def test_caller_history_known_guest(make_ctx: MakeCtx, db: Database) -> None:
    async with db.session() as s:
        s.add_all([VoiceCall(id="old-1", transport="pstn", status="ended", caller=ALICE),
                   VoiceCall(id="old-2", transport="webrtc", status="ended", caller=ALICE),
                   VoiceCall(id="call-1", transport="pstn", status="active", caller=ALICE)])
    await run(make_ctx(caller=ALICE), "request_housekeeping", items=["towels"])
    r = await run(make_ctx(caller=ALICE), "get_caller_history")
    assert r.ok, r
    assert r.data["names"] == ["Alice Morgan"] and r.data["previous_calls"] == 2
    assert r.data["notes"] == ["prefers feather-free pillows"]
    assert data(r)["stays"][0]["room_number"] == "305"
    assert len(data(r)["open_requests"]) == 1
    assert r.speech.startswith("Welcome back, Alice. You're in room three oh five until "
                               "Thursday the 3rd of December.")


async def test_caller_history_upcoming_and_unknown(make_ctx: MakeCtx) -> None:
    r = await run(make_ctx(), "get_caller_history", phone="07700 900102")
    assert r.ok and "Standard Double booked from Friday the 4th of December" in r.speech
    r = await run(make_ctx(caller="+447700900999"), "get_caller_history")
    assert r.ok and r.data["known"] is False
    r = await run(make_ctx(), "get_caller_history")
    assert r.error and r.error.code is E.MISSING_ARGUMENT
    r = await run(make_ctx(), "get_caller_history", phone="abc")
    assert r.error and r.error.code is E.INVALID_ARGUMENT


# --- voice notes ----------------------------------------------------------------------------

async def test_record_voice_note_saves_wav(make_ctx: MakeCtx, db: Database) -> None:
    pcm = (np.sin(np.arange(16000) / 5) * 8000).astype(np.int16).tobytes()
    hooks = FakeHooks(audio=CapturedAudio(pcm=pcm, sample_rate=16000))
    r = await run(make_ctx(hooks=hooks, caller=ALICE), "record_voice_note",
                  transcript="Please call me about the wedding booking.",
                  department="concierge")
    assert r.ok and r.speech == "I've passed your message to the concierge."
    [note] = await _all(db, VoiceNote)
    assert note.audio_path and note.duration_s == 1.0 and note.phone == ALICE
    with wave.open(note.audio_path) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 16000)
        assert w.readframes(w.getnframes()) == pcm


async def test_record_voice_note_without_audio_and_errors(make_ctx: MakeCtx,
                                                          db: Database) -> None:
    r = await run(make_ctx(), "record_voice_note", transcript="Lost my keys")
    assert r.ok and r.data["audio_path"] is None
    r = await run(make_ctx(), "record_voice_note")
    assert r.error and r.error.code is E.MISSING_ARGUMENT
    r = await run(make_ctx(), "record_voice_note", transcript="x", department="spa")
    assert r.error and r.error.code is E.UNKNOWN_DEPARTMENT
    assert len(await _all(db, VoiceNote)) == 1


# --- SMS without a provider -----------------------------------------------------------------

async def test_sms_without_provider_is_stored_not_sent(make_ctx: MakeCtx, db: Database) -> None:
    r = await run(make_ctx(caller="+447700900102"), "send_sms_confirmation")
    assert r.error and r.error.code is E.PROVIDER_UNAVAILABLE
    assert "C, R, T, 8, N, 2" in r.speech
    [sms] = await _all(db, SmsMessage)
    assert sms.status == "not sent: no provider" and sms.to == "+447700900102"
    assert "CRT8N2" in sms.body and "£240.00" in sms.body
    r = await run(make_ctx(), "send_sms_confirmation", confirmation_code="NOPE22")
    assert r.error and r.error.code is E.NOT_FOUND
    r = await run(make_ctx(), "send_sms_confirmation")
    assert r.error and r.error.code is E.MISSING_ARGUMENT


# --- format_for_voice / end_call ------------------------------------------------------------

async def test_format_for_voice(make_ctx: MakeCtx) -> None:
    ctx = make_ctx()
    cases = {("date", "2026-12-04"): "Friday the 4th of December",
             ("time", "15:30"): "half past three in the afternoon",
             ("money", "120"): "one hundred and twenty pounds",
             ("money", "£14.50"): "fourteen pounds fifty",
             ("room", "305"): "room three oh five",
             ("phone", "07700 900101"): "oh seven seven hundred, nine hundred, one oh one",
             ("number", "42"): "forty-two",
             ("code", "crt8n2"): "C, R, T, 8, N, 2",
             ("datetime", "2026-12-02T09:15"): "tomorrow at quarter past nine in the morning"}
    for (kind, value), spoken in cases.items():
        r = await run(ctx, "format_for_voice", kind=kind, value=value)
        assert r.ok and r.speech == spoken, (kind, value, r.speech)
    r = await run(ctx, "format_for_voice", kind="date", value="someday")
    assert r.error and r.error.code is E.INVALID_ARGUMENT
    r = await run(ctx, "format_for_voice", kind="colour", value="red")
    assert r.error and r.error.code is E.INVALID_ARGUMENT and r.error.field == "kind"


async def test_end_call(make_ctx: MakeCtx) -> None:
    r = await run(make_ctx(), "end_call", reason="guest said goodbye")
    assert r.ok and r.end_call and "Goodbye" in r.speech
