"""Wires the phone transport into the app: routes, state, and (when Twilio is fully configured)
the callback scheduler and REST call control."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from server.appkeys import CLOCK, DB, SETTINGS
from server.hotel.callbacks import run_callback_scheduler
from server.outbound import RedirectingHttpClient, TwilioConfig
from server.settings import Settings
from server.twilio import models as _models  # noqa: F401  (registers twilio_calls)
from server.twilio.callbacks import AgentCallbackOutbound
from server.twilio.rest import CallControl
from server.twilio.sender import PhoneSender
from server.twilio.state import (
    CALL_CONTROL,
    PHONE_CALLS,
    PHONE_SENDER,
    STREAM_STATS,
    PhoneCalls,
    StreamStats,
)
from server.twilio.stream import twilio_stream
from server.twilio.twiml import STREAM_PATH
from server.twilio.webhooks import inbound, status

log = logging.getLogger(__name__)

CALLBACK_INTERVAL_S = 15.0


def _http_client(settings: Settings) -> RedirectingHttpClient | None:
    return RedirectingHttpClient(settings.twilio_api_url) if settings.twilio_api_url else None


async def _callback_scheduler(app: web.Application) -> AsyncIterator[None]:
    """Place due callbacks (streamed back to the agent) while the app runs."""
    settings = app[SETTINGS]
    if not (settings.twilio_account_sid and settings.twilio_auth_token
            and settings.twilio_from_number and settings.public_url) \
            or settings.worker_index != 0:  # with several processes, only the first places calls
        yield
        return
    config = TwilioConfig(settings.twilio_account_sid, settings.twilio_auth_token,
                          settings.twilio_from_number)
    outbound = AgentCallbackOutbound(config, settings, http_client=_http_client(settings))
    stop = asyncio.Event()
    task = asyncio.create_task(run_callback_scheduler(app[DB], outbound,
                                                      interval_s=CALLBACK_INTERVAL_S, stop=stop),
                               name="twilio-callbacks")
    log.info("callback scheduler started")
    yield
    stop.set()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _phone_sender(app: web.Application) -> AsyncIterator[None]:
    """The one timer that paces every phone stream's agent audio; stopped with the app."""
    sender = app[PHONE_SENDER] = PhoneSender(app[CLOCK])
    yield
    await sender.close()


def setup_twilio(app: web.Application) -> None:
    """Call from `create_app`, after the database's cleanup context."""
    settings = app[SETTINGS]
    app[PHONE_CALLS] = PhoneCalls()
    app[STREAM_STATS] = StreamStats()
    if settings.twilio_account_sid and settings.twilio_auth_token:
        app[CALL_CONTROL] = CallControl(settings.twilio_account_sid, settings.twilio_auth_token,
                                        http_client=_http_client(settings))
    app.router.add_post("/voice/twilio/inbound", inbound)
    app.router.add_post("/voice/twilio/status", status)
    app.router.add_get(STREAM_PATH, twilio_stream)
    app.cleanup_ctx.append(_phone_sender)
    app.cleanup_ctx.append(_callback_scheduler)
