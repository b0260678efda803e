"""A whole phone booking through the real engine, graded on database state: the caller speaks
(espeak, μ-law, real time) through the scripted Twilio client and a reservation must exist."""

from __future__ import annotations

import re
import time
from dataclasses import replace

import aiohttp
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from server.appkeys import DB, SESSIONS
from server.db.database import Database
from server.db.models import ConversationTurn
from server.hotel.models import Guest, Reservation
from server.settings import Settings
from tests.conftest import AiohttpClient
from tests.twilio_api import FakeTwilioApi
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
OPENING = "I would like to book a room please"
# What the caller says to what the agent asks (first match wins; the agent's words are read
# from the live session's transcript, as a human caller would hear them).
ANSWERS = [
    ("arrive", "the fourth of december"),
    ("how many nights", "two nights"),
    ("how many guests", "two people"),
    ("how many people", "two people"),
    ("which room", "a double room"),
    ("type of room", "a double room"),
    ("room only", "bed and breakfast"),
    # A surname the recognizer knows: its vocabulary has the common UK surnames, not every
    # name (open-vocabulary names are a known limit, docs/stt.md).
    ("name", "my name is Jane Cooper"),
    ("number", "oh seven seven hundred nine hundred one seven seven"),
    ("shall i", "yes please"),
    ("would you like me to", "yes please"),
    ("confirm", "yes please"),
    ("is that right", "yes"),
    ("anything else", "no thank you goodbye"),
]


def _answer(agent_said: str, last_line: str) -> str:
    said = agent_said.lower()
    if "say that again" in said or "say it again" in said:
        return last_line  # like a caller, say it again
    # Answer the question, i.e. the last sentence: a read-back ("... under the name Jane
    # Cooper. Shall I book it?") mentions the name but asks for a yes.
    question = re.split(r"(?<=[.!?])\s+", said.strip())[-1]
    return next((reply for cue, reply in ANSWERS if cue in question), "yes please")


async def _agent_done(call: PhoneCallStream, quiet_s: float = 1.2, within_s: float = 30) -> None:
    """Wait (bounded) until the agent has said something and then been quiet for `quiet_s`."""
    said = len(call.audio)
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline and not call.ws.closed:
        await call.speak(silence_ulaw(0.2))
        if len(call.audio) > said and time.monotonic() - call.audio[-1].at > quiet_s:
            return


async def _booked(db: Database) -> int:
    async with db.session() as s:
        return int(await s.scalar(select(func.count(Reservation.id)).join(
            Guest, Guest.id == Reservation.guest_id).where(Guest.phone == CALLER)) or 0)


async def test_phone_booking_lands_in_the_database(aiohttp_client: AiohttpClient,
                                                   settings: Settings,
                                                   twilio_api: FakeTwilioApi) -> None:
    from server.app import create_app

    client: TestClient[aiohttp.web.Request, aiohttp.web.Application] = await aiohttp_client(
        create_app(replace(settings, public_url=PUBLIC, twilio_account_sid=ACCOUNT_SID,
                           twilio_auth_token=TOKEN, twilio_api_url=twilio_api.base_url)))
    db = client.app[DB]
    async with aiohttp.ClientSession() as http:
        twilio = TwilioClient(http, str(client.make_url("")), PUBLIC, TOKEN)
        call_sid = new_sid("CA")
        _, doc = await twilio.inbound(call_sid, CALLER)
        call = await twilio.connect(parse_stream_twiml(doc), call_sid)
        try:
            await _agent_done(call)  # the greeting
            assert call.audio, "no greeting"
            [session] = client.app[SESSIONS].active()
            # Phone calls get the echo canceller by default: the booking must go through it.
            assert session.bridge is not None and session.bridge.echo_canceller is not None
            line = OPENING
            for _ in range(12):  # bounded conversation
                await call.speak(speech_ulaw(line))
                await _agent_done(call)
                if await _booked(db) or call.ws.closed:
                    break
                live = client.app[SESSIONS].active()
                agent = [t.text for t in live[0].turns if t.role.value == "agent"] if live else []
                line = _answer(agent[-1] if agent else "", line)
            await call.stop()
        finally:
            await call.close()
    booked = await _booked(db)
    async with db.session() as s:
        turns = (await s.scalars(select(ConversationTurn).order_by(ConversationTurn.seq))).all()
    transcript = "\n".join(f"{t.role}: {t.text}" for t in turns)
    assert booked == 1, transcript
