"""A phone call end to end through the real app: signed inbound webhook, media stream, the
agent's greeting as paced μ-law with marks, barge-in `clear`, DTMF, hang-up; and bad input on
the stream (forged upgrade, malformed and oversize messages) never crashing or leaking a call."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import replace

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from media.frames import PCM16
from media.resample import StreamResampler
from media.speech.stt import STT_SAMPLE_RATE
from server.appkeys import DB, SESSIONS
from server.db.models import ConversationTurn, VoiceCall
from server.settings import Settings
from server.twilio import stream as stream_module
from server.twilio.protocol import Media, Start, encode_inbound
from server.twilio.state import STREAM_STATS
from tests.conftest import AiohttpClient
from tests.twilio_client import (
    ACCOUNT_SID,
    GreetingEngine,
    PhoneCallStream,
    TwilioClient,
    new_sid,
    parse_stream_twiml,
    rms,
    silence_ulaw,
    speech_ulaw,
)

TOKEN = "twilio-test-token"
PUBLIC = "https://frontdesk.example.com"
CALLER = "+447700900123"

Client = TestClient[aiohttp.web.Request, aiohttp.web.Application]


@pytest.fixture
def phone_settings(settings: Settings) -> Settings:
    return replace(settings, public_url=PUBLIC, twilio_account_sid=ACCOUNT_SID,
                   twilio_auth_token=TOKEN)


@pytest.fixture
async def app_client(aiohttp_client: AiohttpClient, phone_settings: Settings,
                     monkeypatch: pytest.MonkeyPatch) -> Client:
    from server.app import create_app

    GreetingEngine.callers = []
    monkeypatch.setattr(stream_module, "make_engine",
                        lambda *args, **kwargs: GreetingEngine())
    return await aiohttp_client(create_app(phone_settings))


@pytest.fixture
async def twilio(app_client: Client) -> AsyncIterator[TwilioClient]:
    async with aiohttp.ClientSession() as http:
        yield TwilioClient(http, str(app_client.make_url("")), PUBLIC, TOKEN)


async def _call(twilio: TwilioClient, caller: str = CALLER) -> PhoneCallStream:
    call_sid = new_sid("CA")
    status, doc = await twilio.inbound(call_sid, caller)
    assert status == 200, doc
    return await twilio.connect(parse_stream_twiml(doc), call_sid)


async def _no_sessions(app_client: Client) -> bool:
    for _ in range(100):
        r = await app_client.get("/voice/sessions")
        if (await r.json())["sessions"] == []:
            return True
        await asyncio.sleep(0.05)
    return False


def _recognize(pcm8k: PCM16) -> str:
    from media.speech.stt_pocketsphinx import PocketsphinxRecognizer

    pcm16k = StreamResampler(8000, STT_SAMPLE_RATE).process(pcm8k, last=True)
    rec = PocketsphinxRecognizer()
    rec.start()
    rec.feed(pcm16k)
    return rec.finish().text


async def test_phone_call_greets_with_paced_audio_and_marks(
        app_client: Client, twilio: TwilioClient) -> None:
    call = await _call(twilio)
    try:
        # The greeting arrives as 160-byte μ-law payloads with marks, and the caller's silence
        # (sent at real time) keeps the stream alive meanwhile.
        talk = asyncio.create_task(call.speak(silence_ulaw(6.0)))
        assert await call.wait_until(lambda: len(call.audio) >= 150 and bool(call.marks_echoed))
        assert all(len(r.payload) == 160 for r in call.audio)
        assert rms(call.pcm()) > 300  # the greeting, not silence
        assert set(call.marks_echoed) <= set(call.marks_received)
        [live] = (await (await app_client.get("/voice/sessions")).json())["sessions"]
        assert live["transport"] == "twilio" and live["caller"] == CALLER
        assert live["state"] == "connected"
        await talk
        # The hotel-LM recognizer hears speech in it (it does not reliably get the greeting's
        # words back from 8 kHz μ-law espeak audio, so only "speech, several words" is checked).
        text = await asyncio.to_thread(_recognize, call.pcm())
        assert len(text.split()) >= 3, text
        await call.stop()
        assert await call.wait_until(lambda: call.ws.closed)
    finally:
        await call.close()
    assert await _no_sessions(app_client)
    db = app_client.app[DB]
    async with db.session() as s:
        [row] = (await s.scalars(select(VoiceCall))).all()
        turns = (await s.scalars(select(ConversationTurn))).all()
    assert row.transport == "twilio" and row.caller == CALLER and row.status == "completed"
    assert row.end_reason == "guest_hangup"
    assert GreetingEngine.callers == [CALLER]  # caller id reaches the engine
    assert any("Harbor View" in t.text for t in turns)  # the transcript is kept


async def test_speaking_over_the_greeting_gets_a_clear(app_client: Client,
                                                      twilio: TwilioClient) -> None:
    call = await _call(twilio)
    try:
        assert await call.wait_until(lambda: len(call.audio) >= 25)  # ~0.5 s of greeting
        await call.speak(speech_ulaw("I would like to book a room for two nights please"))
        assert await call.wait_until(lambda: bool(call.clears))
        stats = app_client.app[STREAM_STATS]
        assert stats.clears_sent >= 1
        # marks cleared by the barge-in were echoed back and ignored: the call is still fine
        assert len(app_client.app[SESSIONS].active()) == 1
    finally:
        await call.close()
    assert await _no_sessions(app_client)


async def test_dtmf_reads_the_menu_answer(app_client: Client, twilio: TwilioClient) -> None:
    call = await _call(twilio)
    try:
        assert await call.wait_until(lambda: len(call.audio) >= 10)
        await call.press("9")  # not an option: the menu is read out
        assert await call.wait_until(lambda: bool(call.clears))  # the greeting is cut short
        cleared_at = call.clears[-1]
        assert await call.wait_until(lambda: rms(call.pcm(since=cleared_at)) > 300
                                     and len(call.pcm(since=cleared_at)) > 8000)
    finally:
        await call.close()
    assert await _no_sessions(app_client)


# --- bad input ------------------------------------------------------------------------------

async def test_forged_or_missing_upgrade_signature_is_refused(app_client: Client,
                                                              twilio: TwilioClient) -> None:
    call_sid = new_sid("CA")
    _, doc = await twilio.inbound(call_sid, CALLER)
    target = parse_stream_twiml(doc)
    for signature in ("", "forged", twilio.sign(target.url.replace("wss", "https"))):
        with pytest.raises(aiohttp.WSServerHandshakeError) as err:
            await twilio.connect(target, call_sid, signature=signature)
        assert err.value.status == 403
    # the local URL is not what Twilio signs behind a proxy
    local = str(app_client.make_url("/voice/twilio/stream")).replace("http", "ws", 1)
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await twilio.connect(target, call_sid, signature=twilio.sign(local))
    await app_client.app[SESSIONS].close_all()
    assert await _no_sessions(app_client)


async def _raw_stream(twilio: TwilioClient, *, start: bool = True
                      ) -> tuple[PhoneCallStream, str]:
    call_sid = new_sid("CA")
    _, doc = await twilio.inbound(call_sid, CALLER)
    target = parse_stream_twiml(doc)
    call = await twilio.connect(target, call_sid) if start else None
    assert call is not None
    return call, call_sid


@pytest.mark.parametrize("junk", [
    json.dumps({"event": "media", "streamSid": "MZ1", "media": {"payload": "%%%not base64"}}),
    json.dumps({"event": "media", "streamSid": "MZ1", "media": {"payload": "AAAA"}}),  # 3 bytes
    json.dumps({"event": "media", "streamSid": "MZ1"}),
    json.dumps({"event": "whatever", "streamSid": "MZ1"}),
    json.dumps({"event": "dtmf", "streamSid": "MZ1", "dtmf": {"digit": "x"}}),
    json.dumps({"event": "mark", "streamSid": "MZ1", "mark": {"name": "never-sent"}}),
    json.dumps([1, 2, 3]),
])
async def test_malformed_messages_are_ignored(app_client: Client, twilio: TwilioClient,
                                              junk: str) -> None:
    call, _ = await _raw_stream(twilio)
    try:
        for _ in range(3):
            await call.send_raw(junk)
        await call.speak(silence_ulaw(0.2), realtime=False)
        assert await call.wait_until(lambda: len(call.audio) >= 5)  # still talking
        assert not call.ws.closed
        assert len(app_client.app[SESSIONS].active()) == 1
    finally:
        await call.close()
    assert await _no_sessions(app_client)


async def test_bad_json_closes_with_1007_and_ends_the_call(app_client: Client,
                                                           twilio: TwilioClient) -> None:
    call, _ = await _raw_stream(twilio)
    await call.send_raw("{not json")
    assert await call.wait_until(lambda: call.close_code is not None)
    assert call.close_code == 1007
    await call.close()
    assert await _no_sessions(app_client)


async def test_oversize_message_closes_with_1009(app_client: Client,
                                                 twilio: TwilioClient) -> None:
    call, _ = await _raw_stream(twilio)
    await call.send_raw(json.dumps({"event": "media", "streamSid": "MZ",
                                    "media": {"payload": "A" * 40_000}}))
    assert await call.wait_until(lambda: call.close_code is not None)
    assert call.close_code == 1009
    await call.close()
    assert await _no_sessions(app_client)


async def test_too_many_bad_messages_close_with_1008(app_client: Client,
                                                     twilio: TwilioClient) -> None:
    call, _ = await _raw_stream(twilio)
    for _ in range(60):
        if call.ws.closed:
            break
        await call.send(Media(call.stream_sid, b"\xff" * 100))  # wrong size
    assert await call.wait_until(lambda: call.close_code is not None)
    assert call.close_code == 1008
    await call.close()
    assert await _no_sessions(app_client)


async def test_media_before_start_and_unknown_session_leave_nothing(
        app_client: Client, twilio: TwilioClient) -> None:
    # a signed stream whose start names no call we answered
    target = parse_stream_twiml(
        '<Response><Connect><Stream url="wss://frontdesk.example.com/voice/twilio/stream">'
        '<Parameter name="session_id" value="nope"/></Stream></Connect></Response>')
    path = "/voice/twilio/stream"
    ws = await twilio.http.ws_connect(str(app_client.make_url(path)).replace("http", "ws", 1),
                                      headers={"X-Twilio-Signature": twilio.sign(target.url)})
    try:
        await ws.send_str(encode_inbound(Media("MZ1", b"\xff" * 160)))  # before start: ignored
        await ws.send_str(encode_inbound(Start("MZ1", new_sid("CA"),
                                               custom_parameters=target.parameters)))
        msg = await ws.receive(timeout=10)
        assert msg.type == aiohttp.WSMsgType.CLOSE and ws.close_code == 1008
    finally:
        await ws.close()
    assert await _no_sessions(app_client)
    async with app_client.app[DB].session() as s:
        assert (await s.scalars(select(VoiceCall))).all() == []


async def test_with_several_workers_the_stream_makes_the_session_once(
        aiohttp_client: AiohttpClient, phone_settings: Settings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`workers` > 1: the inbound webhook only records the call (its stream may reach another
    process); the stream creates the session and claims the call; a second stream is refused."""
    from server.app import create_app
    from server.twilio.models import TwilioCall

    GreetingEngine.callers = []
    monkeypatch.setattr(stream_module, "make_engine", lambda *args, **kwargs: GreetingEngine())
    client = await aiohttp_client(create_app(replace(phone_settings, workers=2)))
    async with aiohttp.ClientSession() as http:
        twilio = TwilioClient(http, str(client.make_url("")), PUBLIC, TOKEN)
        call_sid = new_sid("CA")
        status, doc = await twilio.inbound(call_sid, CALLER)
        assert status == 200, doc
        target = parse_stream_twiml(doc)
        assert target.parameters == {"call_sid": call_sid, "direction": "inbound"}
        assert (await (await client.get("/voice/sessions")).json())["sessions"] == []
        call = await twilio.connect(target, call_sid)
        talk = asyncio.create_task(call.speak(silence_ulaw(3.0)))
        second: PhoneCallStream | None = None
        try:
            # the first stream has claimed the call once its greeting plays; then a second comes
            assert await call.wait_until(lambda: len(call.audio) >= 1)
            second = await twilio.connect(target, call_sid)
            assert await call.wait_until(lambda: len(call.audio) >= 25)
            assert await second.wait_until(lambda: second is not None and second.ws.closed)
            assert second.close_code == 1008
            [live] = (await (await client.get("/voice/sessions")).json())["sessions"]
            assert live["caller"] == CALLER and live["state"] == "connected"
            await call.stop()
            await talk
        finally:
            talk.cancel()
            await call.close()
            if second is not None:
                await second.close()
    assert await _no_sessions(client)
    async with client.app[DB].session() as s:
        [row] = (await s.scalars(select(VoiceCall))).all()
        phone = await s.get(TwilioCall, call_sid)
    assert row.caller == CALLER and row.status == "completed"
    assert phone is not None and phone.call_id == row.id
    assert GreetingEngine.callers == [CALLER]


async def test_completed_callback_while_the_call_ends_keeps_its_hang_up(
        app_client: Client, twilio: TwilioClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Twilio's `completed` callback lands after the stream's `stop` closed the transports but
    before the session wrote its row (seen in the soak bench): the row says the caller hung
    up, not `twilio_completed`, and the callback waits for the session's own end."""
    from server.twilio.models import TwilioCall
    from server.voice import call_log
    from server.voice import session as session_module

    gate = asyncio.Event()
    real_complete = call_log.complete_call

    async def held_complete(*args: object, **kwargs: object) -> None:
        await gate.wait()  # the session's end is held just before it writes the row
        await real_complete(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(session_module, "complete_call", held_complete)
    call = await _call(twilio)
    db = app_client.app[DB]
    try:
        assert await call.wait_until(lambda: len(call.audio) > 0)
        await call.stop()
        assert await call.wait_until(lambda: call.ws.closed)
        callback = asyncio.ensure_future(twilio.status(call.call_sid, "completed", 3))
        for _ in range(200):  # until the server has recorded the callback's status
            async with db.session() as s:
                twilio_row = await s.get(TwilioCall, call.call_sid)
                if twilio_row is not None and twilio_row.status == "completed":
                    break
            await asyncio.sleep(0.02)
        for _ in range(10):
            await asyncio.sleep(0)  # let the callback go on to end the call
        gate.set()
        assert (await callback)[0] == 204
    finally:
        gate.set()
        await call.close()
    assert await _no_sessions(app_client)
    async with db.session() as s:
        [row] = (await s.scalars(select(VoiceCall))).all()
    assert row.end_reason == "guest_hangup" and row.status == "completed"
