"""Outbound SMS and callbacks through the official Twilio SDK, against a local stand-in for
api.twilio.com (aiohttp on 127.0.0.1) hooked in through the SDK's `http_client` parameter."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from sqlalchemy import select

from server.db.database import Database
from server.hotel.callbacks import dispatch_due_callbacks, run_callback_scheduler
from server.hotel.enums import CallbackStatus
from server.hotel.models import Callback, SmsMessage
from server.outbound import Outbound, OutboundError, RedirectingHttpClient, TwilioConfig
from server.tools import ToolErrorCode as E
from tests.server.conftest import MakeCtx, run

SID = "AC" + "0" * 31 + "1"
TOKEN = "secret-token"
FROM = "+442392000001"


@dataclass
class SeenRequest:
    path: str
    form: dict[str, str]
    auth: str


@dataclass
class FakeTwilio:
    base_url: str = ""
    requests: list[SeenRequest] = field(default_factory=list)
    fail_with: int | None = None


@pytest.fixture
async def twilio_api() -> AsyncIterator[FakeTwilio]:
    state = FakeTwilio()

    async def create(request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        state.requests.append(SeenRequest(request.path, form,
                                          request.headers.get("Authorization", "")))
        if state.fail_with:
            return web.json_response({"code": 21211, "message": "Invalid 'To' Phone Number",
                                      "more_info": "https://www.twilio.com/docs/errors/21211",
                                      "status": state.fail_with}, status=state.fail_with)
        kind = "SM" if request.path.endswith("Messages.json") else "CA"
        n = len(state.requests)
        return web.json_response({"sid": f"{kind}{n:032d}", "status": "queued",
                                  "account_sid": request.match_info["sid"], "to": form["To"],
                                  "from": form["From"]}, status=201)

    app = web.Application()
    app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", create)
    app.router.add_post("/2010-04-01/Accounts/{sid}/Calls.json", create)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    state.base_url = f"http://127.0.0.1:{port}"
    yield state
    await runner.cleanup()


@pytest.fixture
def outbound(twilio_api: FakeTwilio) -> Outbound:
    return Outbound(TwilioConfig(SID, TOKEN, FROM),
                    http_client=RedirectingHttpClient(twilio_api.base_url, timeout=5))


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_config_from_env() -> None:
    assert TwilioConfig.from_env({}) is None
    assert TwilioConfig.from_env({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN}) is None
    cfg = TwilioConfig.from_env({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN,
                                 "TWILIO_FROM_NUMBER": FROM})
    assert cfg == TwilioConfig(SID, TOKEN, FROM) and TOKEN not in repr(cfg)
    assert Outbound.from_env({}) is None
    made = Outbound.from_env({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN,
                              "TWILIO_FROM_NUMBER": FROM})
    assert made is not None and made.from_number == FROM


async def test_sms_confirmation_sent_through_sdk(make_ctx: MakeCtx, outbound: Outbound,
                                                 twilio_api: FakeTwilio, db: Database) -> None:
    r = await run(make_ctx(outbound=outbound, caller="+447700900102"), "send_sms_confirmation",
                  confirmation_code="CRT8N2")
    assert r.ok, r
    assert r.speech == ("I've sent the confirmation by text to oh seven seven hundred, nine "
                        "hundred, one oh two.")
    [seen] = twilio_api.requests
    assert seen.path == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert seen.form["To"] == "+447700900102" and seen.form["From"] == FROM
    assert "CRT8N2" in seen.form["Body"]
    assert seen.auth == _basic(SID, TOKEN)
    async with db.session() as s:
        [sms] = (await s.scalars(select(SmsMessage))).all()
    assert sms.status == "queued" and sms.provider_sid == f"SM{1:032d}"  # as Twilio returned
    assert r.data["provider_sid"] == sms.provider_sid and r.data["provider_status"] == "queued"


async def test_sms_provider_error_is_stored(make_ctx: MakeCtx, outbound: Outbound,
                                            twilio_api: FakeTwilio, db: Database) -> None:
    twilio_api.fail_with = 400
    r = await run(make_ctx(outbound=outbound), "send_sms_confirmation",
                  confirmation_code="CRT8N2", phone="+447700900199")
    assert r.error and r.error.code is E.PROVIDER_ERROR
    assert "C, R, T, 8, N, 2" in r.speech
    async with db.session() as s:
        [sms] = (await s.scalars(select(SmsMessage))).all()
    assert sms.status == "failed" and sms.error and "Invalid 'To'" in sms.error
    assert sms.to == "+447700900199"


async def test_outbound_unreachable_raises_outbound_error() -> None:
    dead = Outbound(TwilioConfig(SID, TOKEN, FROM),
                    http_client=RedirectingHttpClient("http://127.0.0.1:9", timeout=2))
    with pytest.raises(OutboundError):
        await dead.send_sms("+447700900101", "hello")


async def test_callback_is_placed_when_due(make_ctx: MakeCtx, outbound: Outbound,
                                           twilio_api: FakeTwilio, db: Database) -> None:
    r = await run(make_ctx(outbound=outbound, caller="+447700900101"), "schedule_callback",
                  when="2026-12-01T12:00", reason="a table for dinner",
                  department="concierge")
    assert r.ok and r.data["will_dial_automatically"] is True
    early = dt.datetime(2026, 12, 1, 11, 59, tzinfo=dt.UTC)
    assert await dispatch_due_callbacks(db, outbound, early) == []
    assert twilio_api.requests == []
    [done] = await dispatch_due_callbacks(db, outbound, early + dt.timedelta(minutes=2))
    assert done.status is CallbackStatus.PLACED and done.provider_sid == f"CA{1:032d}"
    [seen] = twilio_api.requests
    assert seen.path == f"/2010-04-01/Accounts/{SID}/Calls.json"
    assert seen.form["To"] == "+447700900101" and seen.form["From"] == FROM
    assert "Harbor View Hotel returning your call about a table for dinner" in seen.form["Twiml"]
    assert "<Dial>+442392000000</Dial>" in seen.form["Twiml"]
    async with db.session() as s:
        [cb] = (await s.scalars(select(Callback))).all()
    assert cb.status == "placed" and cb.provider_sid == done.provider_sid
    # already placed: not dialled twice
    assert await dispatch_due_callbacks(db, outbound, early + dt.timedelta(hours=1)) == []


async def test_callback_failure_and_scheduler_loop(make_ctx: MakeCtx, outbound: Outbound,
                                                   twilio_api: FakeTwilio, db: Database) -> None:
    await run(make_ctx(caller="+447700900101"), "schedule_callback", when="2026-12-01T12:00")
    twilio_api.fail_with = 400
    stop = asyncio.Event()
    task = asyncio.create_task(run_callback_scheduler(
        db, outbound, interval_s=0.05, stop=stop,
        clock=lambda: dt.datetime(2026, 12, 1, 13, 0, tzinfo=dt.UTC)))
    for _ in range(100):
        if twilio_api.requests:
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(task, 2)
    async with db.session() as s:
        [cb] = (await s.scalars(select(Callback))).all()
    assert cb.status == "failed" and cb.error
    assert len(twilio_api.requests) == 1
