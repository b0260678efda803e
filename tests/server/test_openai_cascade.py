"""Cloud cascade components (transcription, speech, chat with tools) through the real SDK,
against a local aiohttp server speaking the OpenAI HTTP APIs (OPENAI_BASE_URL)."""

from __future__ import annotations

import io
import json
import logging
import wave
from collections import deque
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from aiohttp import web
from sqlalchemy import select

from media.clock import FrameClock
from media.engine import EngineInbox, EngineIO
from media.playout import Playout
from server.db.database import Database
from server.engines.openai_cascade import (
    OpenAIDialogue,
    OpenAIRecognizer,
    OpenAITTS,
    dialogue_factory,
    make_client,
)
from server.hotel.models import Reservation
from server.settings import Settings
from tests.server.conftest import MakeCtx


class FakeOpenAI:
    """Records requests; answers transcription, speech and scripted chat completions."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, Any]] = []
        self.chat_replies: deque[dict[str, Any]] = deque()
        self.transcript = "I'd like to book a room"
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v1/audio/transcriptions", self._transcribe)
        app.router.add_post("/v1/audio/speech", self._speech)
        app.router.add_post("/v1/chat/completions", self._chat)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/v1"
        return self.url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _transcribe(self, request: web.Request) -> web.Response:
        form = await request.post()
        upload = form["file"]
        assert isinstance(upload, web.FileField)
        with wave.open(io.BytesIO(upload.file.read())) as w:
            info = {"rate": w.getframerate(), "frames": w.getnframes(),
                    "channels": w.getnchannels()}
        self.requests.append(("transcriptions", {"model": form["model"], **info,
                                                 "auth": request.headers["Authorization"]}))
        return web.json_response({"text": self.transcript})

    async def _speech(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(("speech", body))
        samples = (3000 * np.sin(np.arange(2400) / 5)).astype("<i2")  # 100 ms at 24 kHz
        return web.Response(body=samples.tobytes(), content_type="audio/pcm")

    async def _chat(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(("chat", body))
        message = self.chat_replies.popleft() if self.chat_replies else {
            "role": "assistant", "content": "Certainly."}
        return web.json_response({
            "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": body["model"],
            "choices": [{"index": 0, "message": message,
                         "finish_reason": "tool_calls" if message.get("tool_calls") else "stop"}]})


@pytest.fixture
async def api() -> AsyncIterator[FakeOpenAI]:
    server = FakeOpenAI()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
def api_settings(api: FakeOpenAI, tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
                    openai_api_key="test", openai_base_url=api.url)


async def test_transcription_sends_the_turn_as_wav(api: FakeOpenAI,
                                                   api_settings: Settings) -> None:
    stt = OpenAIRecognizer(make_client(api_settings))
    await stt.begin("call-1")
    for _ in range(25):  # 500 ms of 16 kHz audio
        await stt.feed("call-1", np.full(320, 1000, np.int16), wait=False)
    transcript = await stt.finish("call-1")
    assert transcript.text == "I'd like to book a room"
    assert transcript.audio_ms == pytest.approx(500.0)
    kind, req = api.requests[0]
    assert kind == "transcriptions"
    assert req == {"model": "gpt-4o-mini-transcribe", "rate": 16000, "frames": 8000,
                   "channels": 1, "auth": "Bearer test"}
    empty = await stt.finish("never-started")
    assert empty.empty and len(api.requests) == 1


async def test_speech_returns_24k_pcm_and_streams_by_sentence(
        api: FakeOpenAI, api_settings: Settings) -> None:
    tts = OpenAITTS(make_client(api_settings), voice="cedar")
    pcm, rate = await tts.synthesize("Hello there.")
    assert rate == 24000 and pcm.dtype == np.int16 and pcm.size == 2400
    assert api.requests[0][1] == {"model": "gpt-4o-mini-tts", "voice": "cedar",
                                  "input": "Hello there.", "response_format": "pcm"}
    parts = [p async for p in tts.stream("One. Two! Three?")]
    assert len(parts) == 3
    playout = Playout(48000, FrameClock())
    playout.enqueue(pcm, rate, utterance_id="u1", last=True)  # the playout resamples it
    assert playout.queued_ms > 50


async def test_chat_runs_tools_and_reports_them(api: FakeOpenAI, api_settings: Settings,
                                                db: Database, make_ctx: MakeCtx) -> None:
    args = {"room_type": "Family Room", "check_in": "2026-12-20", "nights": 1, "guests": 3,
            "guest_name": "Evan Grey", "phone": "+447700900177"}
    api.chat_replies.append({"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_1", "type": "function",
         "function": {"name": "make_reservation", "arguments": json.dumps(args)}},
        {"id": "call_2", "type": "function",
         "function": {"name": "check_availability", "arguments": "{oops"}}]})
    api.chat_replies.append({"role": "assistant", "content": "You're booked, Evan."})
    dialogue = OpenAIDialogue(make_client(api_settings), make_ctx())
    greeting = await dialogue.greeting()
    assert "Harbor View" in greeting.text
    reply = await dialogue.handle("Book a family room for three on the twentieth")
    assert reply.text == "You're booked, Evan."
    assert [(c.name, c.ok) for c in reply.tool_calls] == [("make_reservation", True),
                                                         ("check_availability", False)]
    assert reply.tool_calls[1].error_code == "invalid_argument"
    code = reply.tool_calls[0].result["confirmation_code"]
    async with db.session() as s:
        assert await s.scalar(select(Reservation).where(Reservation.code == code)) is not None
    first, second = (body for kind, body in api.requests if kind == "chat")
    tool_names = {t["function"]["name"] for t in first["tools"]}
    assert {"make_reservation", "check_availability"} <= tool_names
    assert first["tools"][0]["type"] == "function"
    tool_messages = [m for m in second["messages"] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in tool_messages] == ["call_1", "call_2"]
    assert json.loads(tool_messages[0]["content"])["ok"] is True
    assert json.loads(tool_messages[1]["content"])["error"]["code"] == "invalid_argument"
    dialogue.on_interrupted("You're booked")
    assert dialogue.messages[-1]["content"] == "You're booked [interrupted by the guest]"
    assert await dialogue.on_silence(3.0) is None


async def test_dialogue_factory_makes_one_conversation_per_call(
        api: FakeOpenAI, api_settings: Settings, db: Database) -> None:
    make = dialogue_factory(api_settings, db)
    io_ = EngineIO(call_id="c1", playout=Playout(24000, FrameClock()), inbox=EngineInbox(),
                   emit=lambda _o: None, caller="+447700900101")
    a, b = make(io_), make(io_)
    assert a is not b and a.ctx.caller == "+447700900101" and a.ctx.call_id == "c1"
    assert (await a.handle("hi")).text == "Certainly."
    assert len(b.messages) == 1


def test_components_need_a_key(api_settings: Settings) -> None:
    from dataclasses import replace
    with pytest.raises(ValueError, match="OPENAI_API_KEY"):
        make_client(replace(api_settings, openai_api_key=""))


async def test_http_components_never_log_the_key(api: FakeOpenAI, api_settings: Settings,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    from dataclasses import replace
    caplog.set_level(logging.DEBUG)
    secret = "sk-cascade-secret-0123456789"
    client = make_client(replace(api_settings, openai_api_key=secret))
    await OpenAITTS(client).synthesize("Hello.")
    await OpenAIRecognizer(client).finish("nothing")
    assert api.requests[0][0] == "speech"
    assert secret not in caplog.text
