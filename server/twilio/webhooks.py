"""Signed Twilio webhooks: `POST /voice/twilio/inbound` answers a call, `/status` tracks it.

Inbound creates the call's session (VoiceCall row, transport twilio, caller = From) and its
`twilio_calls` row, then answers TwiML that connects a media stream carrying the session id.
A stream that never arrives ends the session after `STREAM_CONNECT_TIMEOUT_S`.

With several server processes (`Settings.workers` > 1) the stream may reach another process
than the webhook did, so inbound only records the `twilio_calls` row and answers TwiML marked
`direction=inbound`; whichever process gets the stream creates the session and claims the row
(`server/twilio/stream.py`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from aiohttp import web
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from server.appkeys import DB, SESSIONS, SETTINGS
from server.db.database import Database
from server.twilio import twiml
from server.twilio.models import TwilioCall
from server.twilio.signature import signed_form
from server.twilio.state import PHONE_CALLS, PhoneCall
from server.voice.call_log import complete_call
from server.voice.session import CallState, EndReason, Transport, VoiceSession

log = logging.getLogger(__name__)

STREAM_CONNECT_TIMEOUT_S = 30.0
# Twilio's call statuses in the order a call moves through them; the finals share a rank.
STATUS_RANK = {"queued": 0, "initiated": 1, "ringing": 2, "in-progress": 3,
               "completed": 4, "busy": 4, "failed": 4, "no-answer": 4, "canceled": 4}
FINAL_RANK = 4


def _twiml_response(doc: str) -> web.Response:
    return web.Response(text=doc, content_type="text/xml")


async def inbound(request: web.Request) -> web.Response:
    app = request.app
    settings = app[SETTINGS]
    form = await signed_form(request, settings)
    call_sid = form.get("CallSid", "")
    if not call_sid:
        raise web.HTTPBadRequest(text="CallSid missing")
    if settings.workers > 1:
        return await _inbound_for_any_worker(app, form, call_sid)
    calls = app[PHONE_CALLS]
    existing = calls.by_call_sid(call_sid)
    if existing is None:  # Twilio may retry the webhook: answer the same call again
        caller = form.get("From") or None
        session = await app[SESSIONS].create(Transport.TWILIO, caller)
        existing = PhoneCall(session, call_sid, form.get("Direction", "inbound"),
                             form.get("To") or None)
        calls.track(existing)
        session.own_task(_stream_deadline(session), "stream-deadline")
        try:
            await _upsert_call(app[DB], call_sid, call_id=session.id,
                               direction=existing.direction, from_number=caller,
                               to_number=existing.to_number,
                               status=form.get("CallStatus", "ringing"))
        except Exception:  # e.g. the database is saturated: refuse the call, keep nothing live
            log.exception("call %s: could not record Twilio call %s", session.id, call_sid)
            await session.end(EndReason.ERROR)
            raise web.HTTPServiceUnavailable(text="try again") from None
        log.info("call %s: Twilio %s from %s", session.id, call_sid, caller)
    doc = twiml.connect_stream(settings, {"session_id": existing.session.id,
                                          "call_sid": call_sid})
    return _twiml_response(doc)


async def _inbound_for_any_worker(app: web.Application, form: dict[str, str],
                                  call_sid: str) -> web.Response:
    """Several processes: record the call; the process that gets its stream makes the session."""
    try:
        await _upsert_call(app[DB], call_sid, direction=form.get("Direction", "inbound"),
                           from_number=form.get("From") or None,
                           to_number=form.get("To") or None,
                           status=form.get("CallStatus", "ringing"))
    except Exception:
        log.exception("could not record Twilio call %s", call_sid)
        raise web.HTTPServiceUnavailable(text="try again") from None
    log.info("Twilio %s from %s: waiting for its stream", call_sid, form.get("From"))
    doc = twiml.connect_stream(app[SETTINGS], {"call_sid": call_sid, "direction": "inbound"})
    return _twiml_response(doc)


async def _stream_deadline(session: VoiceSession) -> None:
    await asyncio.sleep(STREAM_CONNECT_TIMEOUT_S)
    if session.state is CallState.CONNECTING:
        log.warning("call %s: no media stream within %.0f s", session.id,
                    STREAM_CONNECT_TIMEOUT_S)
        session.own_task(session.end(EndReason.CONNECTION_FAILED), "end")


async def _upsert_call(db: Database, call_sid: str, *, status: str, call_id: str | None = None,
                       direction: str | None = None, from_number: str | None = None,
                       to_number: str | None = None, duration_s: float | None = None) -> None:
    """Create or move forward the call's `twilio_calls` row; never moves it backwards."""
    rank = STATUS_RANK.get(status, -1)
    now = dt.datetime.now(dt.UTC)
    for _ in range(3):
        async with db.session() as s:
            row = await s.get(TwilioCall, call_sid)
            if row is None:
                s.add(TwilioCall(call_sid=call_sid, call_id=call_id,
                                 direction=direction or "inbound", from_number=from_number,
                                 to_number=to_number, status=status,
                                 status_rank=max(rank, 0), duration_s=duration_s,
                                 updated_at=now))
                try:
                    await s.flush()
                except IntegrityError:  # a concurrent callback inserted it first: retry
                    await s.rollback()
                    continue
                return
            values: dict[str, object] = {"updated_at": now}
            if call_id and row.call_id is None:
                values["call_id"] = call_id
            if duration_s is not None:
                values["duration_s"] = duration_s
            await s.execute(update(TwilioCall).where(TwilioCall.call_sid == call_sid)
                            .values(**values))
            if rank >= 0:  # conditional, so a late "ringing" never overwrites "completed"
                await s.execute(update(TwilioCall).where(
                    TwilioCall.call_sid == call_sid, TwilioCall.status_rank < rank)
                    .values(status=status, status_rank=rank))
            return


async def status(request: web.Request) -> web.Response:
    """Status callback: idempotent and order-independent (see `STATUS_RANK`)."""
    app = request.app
    form = await signed_form(request, app[SETTINGS])
    call_sid, call_status = form.get("CallSid", ""), form.get("CallStatus", "")
    if not call_sid or not call_status:
        raise web.HTTPBadRequest(text="CallSid and CallStatus required")
    if call_status not in STATUS_RANK:
        log.warning("Twilio call %s: unknown status %r ignored", call_sid, call_status)
        return web.Response(status=204)
    duration: float | None = None
    if form.get("CallDuration", "").isdigit():
        duration = float(form["CallDuration"])
    db = app[DB]
    await _upsert_call(db, call_sid, status=call_status, duration_s=duration,
                       direction=form.get("Direction"), from_number=form.get("From"),
                       to_number=form.get("To"))
    if STATUS_RANK[call_status] == FINAL_RANK:
        await _finish(app, call_sid, call_status)
    return web.Response(status=204)


async def _finish(app: web.Application, call_sid: str, call_status: str) -> None:
    """Twilio says the call is over: end its live session, and complete its row.

    It may come before the stream's `stop` (the caller hung up), or while the session is
    already ending, after its transports closed (so the phone call is no longer tracked) but
    before its row is written: that end, and its reason, then stand."""
    async with app[DB].session() as s:
        row = await s.get(TwilioCall, call_sid)
        call_id = row.call_id if row else None
    phone = app[PHONE_CALLS].by_call_sid(call_sid)
    session = phone.session if phone is not None else (
        app[SESSIONS].get(call_id) if call_id else None)
    if session is not None:
        await session.end(EndReason.GUEST_HANGUP)
    if call_id:
        await complete_call(app[DB], call_id, dt.datetime.now(dt.UTC), f"twilio_{call_status}",
                            status="completed" if call_status == "completed" else call_status)
