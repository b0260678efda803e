"""Signed Twilio webhooks: the inbound call's TwiML and rows, status callbacks (idempotent, any
order), and forged or missing signatures refused with nothing created."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import replace

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from server.app import create_app
from server.appkeys import DB, SESSIONS
from server.db.models import VoiceCall
from server.settings import Settings
from server.twilio.models import TwilioCall
from tests.conftest import AiohttpClient
from tests.twilio_client import ACCOUNT_SID, TwilioClient, new_sid, parse_stream_twiml

TOKEN = "twilio-test-token"
PUBLIC = "https://frontdesk.example.com"
CALLER = "+447700900123"
HOTEL = "+442392000001"

Client = TestClient[aiohttp.web.Request, aiohttp.web.Application]


@pytest.fixture
async def app_client(aiohttp_client: AiohttpClient, settings: Settings) -> Client:
    return await aiohttp_client(create_app(replace(
        settings, public_url=PUBLIC, twilio_account_sid=ACCOUNT_SID, twilio_auth_token=TOKEN)))


@pytest.fixture
async def twilio(app_client: Client) -> AsyncIterator[TwilioClient]:
    async with aiohttp.ClientSession() as http:
        yield TwilioClient(http, str(app_client.make_url("")), PUBLIC, TOKEN)


async def _rows(app_client: Client) -> tuple[list[VoiceCall], list[TwilioCall]]:
    async with app_client.app[DB].session() as s:
        return (list((await s.scalars(select(VoiceCall))).all()),
                list((await s.scalars(select(TwilioCall))).all()))


async def test_inbound_answers_a_stream_to_the_public_host(app_client: Client,
                                                          twilio: TwilioClient) -> None:
    call_sid = new_sid("CA")
    status, doc = await twilio.inbound(call_sid, CALLER, HOTEL)
    assert status == 200
    root = ET.fromstring(doc)
    assert root.tag == "Response" and root.find("./Connect/Stream") is not None
    target = parse_stream_twiml(doc)
    assert target.url == "wss://frontdesk.example.com/voice/twilio/stream"
    [live] = app_client.app[SESSIONS].active()
    assert target.parameters == {"session_id": live.id, "call_sid": call_sid}
    [call], [tw] = await _rows(app_client)
    assert (call.id, call.transport, call.caller, call.status) == (live.id, "twilio", CALLER,
                                                                   "active")
    assert (tw.call_sid, tw.call_id, tw.from_number, tw.to_number) == (call_sid, live.id,
                                                                       CALLER, HOTEL)
    # Twilio retrying the webhook gets the same call, not a second one
    status, again = await twilio.inbound(call_sid, CALLER, HOTEL)
    assert status == 200 and parse_stream_twiml(again).parameters == target.parameters
    assert len(app_client.app[SESSIONS].active()) == 1
    await app_client.app[SESSIONS].close_all()


@pytest.mark.parametrize("path", ["/voice/twilio/inbound", "/voice/twilio/status"])
async def test_missing_or_forged_signature_is_refused(app_client: Client, twilio: TwilioClient,
                                                      path: str) -> None:
    form = {"CallSid": new_sid("CA"), "From": CALLER, "To": HOTEL, "CallStatus": "ringing"}
    local_url = str(app_client.make_url(path))
    for signature in ("", "forged", twilio.sign(local_url, form),  # the local URL: wrong
                      twilio.sign(PUBLIC + path, {**form, "From": "+15550000000"})):
        status, _ = await twilio.post(path, form, signature=signature)
        assert status == 403
    assert await _rows(app_client) == ([], [])
    assert app_client.app[SESSIONS].active() == []


async def test_unconfigured_twilio_refuses_everything(aiohttp_client: AiohttpClient,
                                                      settings: Settings) -> None:
    client = await aiohttp_client(create_app(settings))  # no token, no public URL
    async with aiohttp.ClientSession() as http:
        twilio = TwilioClient(http, str(client.make_url("")), PUBLIC, TOKEN)
        status, _ = await twilio.inbound(new_sid("CA"), CALLER)
    assert status == 403


async def test_status_callbacks_are_idempotent_and_order_independent(
        app_client: Client, twilio: TwilioClient) -> None:
    call_sid = new_sid("CA")
    await twilio.inbound(call_sid, CALLER, HOTEL)
    assert (await twilio.status(call_sid, "in-progress"))[0] == 204
    assert (await twilio.status(call_sid, "completed", duration=42))[0] == 204
    assert (await twilio.status(call_sid, "ringing"))[0] == 204  # late: ignored
    assert (await twilio.status(call_sid, "completed", duration=42))[0] == 204  # retried
    [call], [tw] = await _rows(app_client)
    assert (tw.status, tw.duration_s) == ("completed", 42.0)
    assert call.status == "completed" and call.ended_at is not None
    assert app_client.app[SESSIONS].active() == []  # Twilio said it ended: the session ended


async def test_status_for_an_unknown_call_is_recorded(app_client: Client,
                                                      twilio: TwilioClient) -> None:
    call_sid = new_sid("CA")
    assert (await twilio.status(call_sid, "no-answer"))[0] == 204
    assert (await twilio.status(call_sid, "bogus-status"))[0] == 204
    _, [tw] = await _rows(app_client)
    assert (tw.status, tw.call_id) == ("no-answer", None)
    status, _ = await twilio.post("/voice/twilio/status", {"CallSid": call_sid})
    assert status == 400


async def test_a_call_that_cannot_be_recorded_is_refused_and_not_kept(
        app_client: Client, twilio: TwilioClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from server.twilio import webhooks

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database saturated")

    monkeypatch.setattr(webhooks, "_upsert_call", broken)
    status, _ = await twilio.inbound(new_sid("CA"), CALLER)
    assert status == 503
    assert app_client.app[SESSIONS].active() == []
