"""Call control through the official SDK against a local stand-in for api.twilio.com (hooked in
through the SDK's `http_client`): transfers redirect the live call to the department's number,
and scheduled callbacks place a call whose TwiML streams back to the agent."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from server.appkeys import SESSIONS
from server.db.database import Database
from server.hotel.callbacks import dispatch_due_callbacks
from server.hotel.enums import CallbackStatus
from server.hotel.models import Callback, Hotel
from server.outbound import RedirectingHttpClient, TwilioConfig
from server.settings import Settings
from server.tools import ToolErrorCode
from server.tools.context import TransferTarget
from server.twilio import stream as stream_module
from server.twilio.callbacks import AgentCallbackOutbound
from server.twilio.hooks import PhoneCallHooks
from server.twilio.rest import CallControl
from tests.conftest import AiohttpClient
from tests.server.conftest import MakeCtx, run
from tests.twilio_api import FakeTwilioApi
from tests.twilio_client import (
    ACCOUNT_SID,
    GreetingEngine,
    TwilioClient,
    new_sid,
    parse_stream_twiml,
)

TOKEN = "twilio-test-token"
PUBLIC = "https://frontdesk.example.com"
FROM = "+442392000001"


def _control(api: FakeTwilioApi) -> CallControl:
    return CallControl(ACCOUNT_SID, TOKEN, http_client=RedirectingHttpClient(api.base_url, 5))


async def _hotel_phone(db: Database) -> str:
    async with db.session() as s:
        hotel = await s.scalar(select(Hotel).limit(1))
    assert hotel is not None
    return hotel.phone


async def test_transfer_redirects_the_live_call(db: Database, twilio_api: FakeTwilioApi) -> None:
    from media.clock import FrameClock
    from media.playout import Playout

    hooks = PhoneCallHooks("CA123", _control(twilio_api), db, Playout(8000, FrameClock()),
                           department_numbers={"manager": "+447700900999"})
    assert await hooks.transfer(TransferTarget("reservations", "reservations", "201", "", 1))
    assert await hooks.transfer(TransferTarget("manager", "the manager", "900", "", 2))
    first, second = twilio_api.seen
    assert first.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/CA123.json"
    phone = await _hotel_phone(db)
    assert f'<Number sendDigits="ww201">{phone}</Number>' in first.form["Twiml"]
    assert "<Dial>" in first.form["Twiml"] and "reservations" in first.form["Twiml"]
    assert "<Number>+447700900999</Number>" in second.form["Twiml"]


async def test_transfer_tool_on_a_phone_call(make_ctx: MakeCtx, db: Database,
                                             twilio_api: FakeTwilioApi) -> None:
    from media.clock import FrameClock
    from media.playout import Playout

    hooks = PhoneCallHooks("CA9", _control(twilio_api), db, Playout(8000, FrameClock()))
    r = await run(make_ctx(hooks=hooks), "transfer_to_human", department="front desk")
    assert r.ok, r
    assert len(twilio_api.seen) == 1 and hooks.transferred_to == await _hotel_phone(db)
    twilio_api.fail_with = 404  # the call is gone: the transfer fails and says so
    r = await run(make_ctx(hooks=hooks), "transfer_to_human", department="front desk")
    assert r.error is not None and r.error.code is ToolErrorCode.TRANSFER_FAILED


Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def app_client(aiohttp_client: AiohttpClient, settings: Settings,
                     twilio_api: FakeTwilioApi, monkeypatch: pytest.MonkeyPatch) -> Client:
    from server.app import create_app

    GreetingEngine.callers = []
    monkeypatch.setattr(stream_module, "make_engine", lambda *a, **k: GreetingEngine())
    return await aiohttp_client(create_app(replace(
        settings, public_url=PUBLIC, twilio_account_sid=ACCOUNT_SID, twilio_auth_token=TOKEN,
        twilio_api_url=twilio_api.base_url)))


async def test_keypad_zero_transfers_to_the_front_desk(app_client: Client,
                                                       twilio_api: FakeTwilioApi) -> None:
    async with aiohttp.ClientSession() as http:
        twilio = TwilioClient(http, str(app_client.make_url("")), PUBLIC, TOKEN)
        call_sid = new_sid("CA")
        _, doc = await twilio.inbound(call_sid, "+447700900123")
        call = await twilio.connect(parse_stream_twiml(doc), call_sid)
        try:
            assert await call.wait_until(lambda: len(call.audio) >= 5)
            await call.press("0")
            assert await call.wait_until(lambda: bool(twilio_api.seen) and bool(call.clears))
            [redirect] = twilio_api.seen
            assert redirect.path.endswith(f"/Calls/{call_sid}.json")
            assert "<Dial>" in redirect.form["Twiml"]
            await call.stop()  # Twilio stops the stream once the call is redirected
        finally:
            await call.close()


async def test_scheduled_callback_streams_back_to_the_agent(
        app_client: Client, db: Database, twilio_api: FakeTwilioApi, settings: Settings) -> None:
    guest = "+447700900101"
    async with db.session() as s:
        hotel = await s.scalar(select(Hotel).limit(1))
        assert hotel is not None
        s.add(Callback(hotel_id=hotel.id, phone=guest, reason="your booking",
                       due_at=dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC),
                       status=CallbackStatus.SCHEDULED.value))
    outbound = AgentCallbackOutbound(
        TwilioConfig(ACCOUNT_SID, TOKEN, FROM), replace(settings, public_url=PUBLIC),
        http_client=RedirectingHttpClient(twilio_api.base_url, 5))
    [done] = await dispatch_due_callbacks(db, outbound, dt.datetime(2026, 12, 1, 10,
                                                                     tzinfo=dt.UTC))
    assert done.status is CallbackStatus.PLACED
    [placed] = twilio_api.seen
    assert placed.path.endswith("/Calls.json") and placed.form["To"] == guest
    target = parse_stream_twiml(placed.form["Twiml"])
    assert target.url == "wss://frontdesk.example.com/voice/twilio/stream"
    assert target.parameters == {"direction": "outbound", "to": guest}
    # Twilio connects the placed call's stream: the agent answers it like an inbound call
    async with aiohttp.ClientSession() as http:
        twilio = TwilioClient(http, str(app_client.make_url("")), PUBLIC, TOKEN)
        assert done.provider_sid is not None
        call = await twilio.connect(target, done.provider_sid)
        try:
            assert await call.wait_until(lambda: len(call.audio) >= 10)
            [live] = app_client.app[SESSIONS].active()
            assert live.caller == guest and GreetingEngine.callers == [guest]
        finally:
            await call.close()
