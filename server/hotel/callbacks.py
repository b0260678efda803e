"""Scheduled callbacks: a loop the app can run that places due callbacks through Twilio."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from xml.sax.saxutils import escape

from sqlalchemy import select, update

from server.db.database import Database
from server.hotel.enums import CallbackStatus
from server.hotel.models import Callback, Hotel
from server.hotel.timeutil import as_utc
from server.outbound import Outbound, OutboundError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallbackDispatch:
    callback_id: int
    phone: str
    status: CallbackStatus
    provider_sid: str | None = None
    error: str | None = None


def callback_twiml(hotel_name: str, hotel_phone: str, reason: str,
                   department: str | None) -> str:
    """Greets the guest, then connects them to the hotel's main line."""
    about = f" about {reason}" if reason else ""
    to = f" to {department}" if department else ""
    say = (f"Hello, this is {hotel_name} returning your call{about}. "
           f"Please hold while we connect you{to}.")
    return (f'<Response><Say language="en-GB">{escape(say)}</Say>'
            f"<Dial>{escape(hotel_phone)}</Dial></Response>")


async def dispatch_due_callbacks(db: Database, outbound: Outbound,
                                 now: dt.datetime) -> list[CallbackDispatch]:
    """Place every scheduled callback due by `now`. Each is claimed first (scheduled ->
    dialing, conditional update) so two schedulers never call the same guest twice."""
    async with db.session() as session:
        hotel = await session.scalar(select(Hotel).order_by(Hotel.id).limit(1))
        due = list((await session.scalars(
            select(Callback).where(Callback.status == CallbackStatus.SCHEDULED.value,
                                   Callback.due_at <= as_utc(now))
            .order_by(Callback.due_at))).all())
    if hotel is None:
        return []
    done: list[CallbackDispatch] = []
    for cb in due:
        async with db.session() as session:
            claimed = await session.execute(
                update(Callback).where(Callback.id == cb.id,
                                       Callback.status == CallbackStatus.SCHEDULED.value)
                .values(status=CallbackStatus.DIALING.value))
        if getattr(claimed, "rowcount", 0) != 1:
            continue
        twiml = callback_twiml(hotel.name, hotel.phone, cb.reason, cb.department)
        try:
            placed = await outbound.place_call(cb.phone, twiml)
            result = CallbackDispatch(cb.id, cb.phone, CallbackStatus.PLACED, placed.sid)
        except OutboundError as exc:
            log.warning("callback %d to %s failed: %s", cb.id, cb.phone, exc)
            result = CallbackDispatch(cb.id, cb.phone, CallbackStatus.FAILED, error=str(exc))
        async with db.session() as session:
            await session.execute(update(Callback).where(Callback.id == cb.id).values(
                status=result.status.value, provider_sid=result.provider_sid,
                error=result.error))
        done.append(result)
    return done


async def run_callback_scheduler(db: Database, outbound: Outbound, *, interval_s: float = 15.0,
                                 clock: Callable[[], dt.datetime] | None = None,
                                 stop: asyncio.Event | None = None) -> None:
    """Poll for due callbacks until `stop` is set (or the task is cancelled)."""
    stop = stop or asyncio.Event()
    now = clock or (lambda: dt.datetime.now(dt.UTC))
    while not stop.is_set():
        try:
            await dispatch_due_callbacks(db, outbound, now())
        except Exception:
            log.exception("callback scheduler pass failed")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(interval_s):
                await stop.wait()
