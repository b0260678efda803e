"""A whole phone booking through the real engine, graded on database state: the caller speaks
(espeak, μ-law, real time) through the scripted Twilio client and a reservation must exist."""

from __future__ import annotations

import time
from dataclasses import replace

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from server.appkeys import DB
from server.hotel.models import Guest, Reservation
from server.settings import Settings
from tests.conftest import AiohttpClient
from tests.twilio_client import (
    ACCOUNT_SID,
    PhoneCallStream,
    TwilioClient,
    new_sid,
    parse_stream_twiml,
    silence_ulaw,
    speech_ulaw,
)

TOKEN = "twilio-test-token"
PUBLIC = "https://frontdesk.example.com"
CALLER = "+447700900177"
LINES = [
    "I would like to book a room please",
    "from the fourth of december for two nights",
    "a double room for two people",
    "my name is Jane Porter",
    "yes please book it",
]


async def _agent_done(call: PhoneCallStream, quiet_s: float = 1.2, within_s: float = 30) -> None:
    """Wait (bounded) until the agent has said something and then been quiet for `quiet_s`."""
    said = len(call.audio)
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline and not call.ws.closed:
        await call.speak(silence_ulaw(0.2))
        if len(call.audio) > said and time.monotonic() - call.audio[-1].at > quiet_s:
            return


@pytest.mark.xfail(reason=(
    "needs the offline dialogue engine that is being built in parallel: in the shared tree "
    "server/engines/__init__.py calls OfflineEngine(greeting=...) while the in-progress "
    "server/engines/offline.py takes OfflineEngine(stt=, tts=, dialogue_factory=), so no engine "
    "can take a call yet; runs unchanged once make_engine() builds an engine that can book"),
    strict=False)
async def test_phone_booking_lands_in_the_database(aiohttp_client: AiohttpClient,
                                                   settings: Settings) -> None:
    from server.app import create_app

    client: TestClient[aiohttp.web.Request, aiohttp.web.Application] = await aiohttp_client(
        create_app(replace(settings, public_url=PUBLIC, twilio_account_sid=ACCOUNT_SID,
                           twilio_auth_token=TOKEN)))
    db = client.app[DB]
    async with aiohttp.ClientSession() as http:
        twilio = TwilioClient(http, str(client.make_url("")), PUBLIC, TOKEN)
        call_sid = new_sid("CA")
        _, doc = await twilio.inbound(call_sid, CALLER)
        call = await twilio.connect(parse_stream_twiml(doc), call_sid)
        try:
            await _agent_done(call)  # the greeting
            assert call.audio, "no greeting"
            for line in LINES:
                await call.speak(speech_ulaw(line))
                await _agent_done(call)
            await call.stop()
        finally:
            await call.close()
    async with db.session() as s:
        booked = await s.scalar(select(func.count(Reservation.id)).join(
            Guest, Guest.id == Reservation.guest_id).where(Guest.phone == CALLER))
    assert booked == 1
