"""The Realtime engine against the scripted local Realtime server, through the real SDK.

Each test drives the engine with a real EngineIO (Playout on a FrameClock, EngineInbox) and a
"transport" task pulling paced frames from the playout, the way the bridge and aiortc do.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import numpy as np
import pytest
from sqlalchemy import func, select

from media.clock import FrameClock
from media.engine import (
    EndCallRequested,
    Engine,
    EngineInbox,
    EngineIO,
    EngineNotice,
    EngineOutput,
    EngineSwitched,
    Interrupted,
    Role,
    TranscriptTurn,
)
from media.events import SpeechEnded, SpeechStarted
from media.frames import AudioFrame
from media.playout import Playout
from server.db.database import Database
from server.db.models import ConversationTurn
from server.engines import make_engine
from server.engines.failover import FailoverEngine
from server.engines.openai_realtime import OpenAIRealtimeEngine
from server.engines.realtime_errors import RealtimeUnavailable
from server.hotel.models import Reservation
from server.settings import Settings
from server.voice.session import SessionManager, Transport
from tests.realtime_server import CallTool, Fail, RealtimeServer, Speak
from tests.server.conftest import NOW, Clock
from tests.waiting import eventually

CALLER = "+447700900101"  # Alice Morgan in the demo data


@pytest.fixture
async def rt() -> AsyncIterator[RealtimeServer]:
    server = RealtimeServer()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
def rt_settings(rt: RealtimeServer, tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}",
                    engine="openai", openai_api_key="test", openai_websocket_base_url=rt.url,
                    openai_reconnect_attempts=3)


class Call:
    """A call's media seam around one engine: inbox, paced playout, collected outputs."""

    def __init__(self, engine: Engine, rate: int = 24000, *, call_id: str = "call-rt",
                 also: Callable[[EngineOutput], None] | None = None) -> None:
        self.engine = engine
        self.playout = Playout(rate, FrameClock())
        self.inbox = EngineInbox()
        self.outputs: list[EngineOutput] = []
        self.also = also  # e.g. the VoiceSession, which persists the turns
        self.io = EngineIO(call_id=call_id, playout=self.playout, inbox=self.inbox,
                           emit=self._emit, caller=CALLER)
        self.playout.add_listener(self.inbox.put)  # as the bridge does
        self.audio_frames = 0
        self.tasks: list[asyncio.Task[Any]] = []

    def _emit(self, output: EngineOutput) -> None:
        self.outputs.append(output)
        if self.also is not None:
            self.also(output)

    async def __aenter__(self) -> Call:
        self.tasks = [asyncio.create_task(self.engine.run(self.io)),
                      asyncio.create_task(self._transport())]
        return self

    async def __aexit__(self, *_exc: object) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def _transport(self) -> None:
        while True:
            frame = await self.playout.next_frame()
            if np.any(frame.samples):
                self.audio_frames += 1

    @property
    def engine_task(self) -> asyncio.Task[Any]:
        return self.tasks[0]

    def turns(self, role: Role | None = None) -> list[TranscriptTurn]:
        return [o for o in self.outputs if isinstance(o, TranscriptTurn)
                and (role is None or o.role is role)]

    async def say(self, ms: int = 600) -> None:
        """The guest speaks: VAD start, `ms` of audio frames, VAD end (as the bridge sends)."""
        rate = self.engine.input_rate
        n = rate * 20 // 1000
        t = np.arange(rate * ms // 1000) / rate
        audio = (6000 * np.sin(2 * np.pi * 220 * t)).astype(np.int16)
        self.inbox.put(SpeechStarted(at=0.0))
        for i in range(0, audio.size - n + 1, n):
            self.inbox.put(AudioFrame(audio[i:i + n], rate, i / rate))
            await asyncio.sleep(0)
        await eventually(lambda: not self.inbox._audio, within=5, what="audio consumed")
        self.inbox.put(SpeechEnded(0.0, ms / 1000, audio, rate))

    def interrupt(self) -> Interrupted:
        """What the bridge does on barge-in."""
        cleared = self.playout.clear()
        event = Interrupted(cleared.utterance_id, cleared.played_ms)
        self.inbox.put(event)
        return event


async def count_reservations(db: Database) -> int:
    async with db.session() as s:
        return int(await s.scalar(select(func.count(Reservation.id))) or 0)


def realtime(settings: Settings, db: Database, **kw: Any) -> OpenAIRealtimeEngine:
    kw.setdefault("greeting", None)
    kw.setdefault("backoff_s", 0.05)
    kw.setdefault("max_backoff_s", 0.2)
    return OpenAIRealtimeEngine(settings, db=db, clock=Clock(NOW), **kw)


# -- configuration ---------------------------------------------------------------------------

async def test_session_carries_hotel_facts_caller_history_tools_and_format(
        rt: RealtimeServer, rt_settings: Settings, db: Database) -> None:
    async with Call(realtime(rt_settings, db, greeting="Harbor View Hotel, hello!")):
        await eventually(lambda: bool(rt.events("response.create")), what="greeting")
    conn = rt.connections[0]
    assert conn.query["model"] == "gpt-realtime"
    assert conn.headers["Authorization"] == "Bearer test"
    session = conn.sent("session.update")[0]["session"]
    assert session["type"] == "realtime"
    assert session["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert session["audio"]["output"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert session["audio"]["output"]["voice"] == "marin"
    assert session["audio"]["input"]["turn_detection"] is None
    assert "transcription" in session["audio"]["input"]
    instructions = session["instructions"]
    assert "Harbor View Hotel" in instructions
    assert "Quay Restaurant" in instructions  # a demo fact
    assert "Alice Morgan" in instructions  # caller history through get_caller_history
    names = {t["name"] for t in session["tools"]}
    assert {"make_reservation", "check_availability", "get_caller_history"} <= names
    assert all(t["type"] == "function" and "parameters" in t for t in session["tools"])
    greeting = conn.sent("response.create")[0]
    assert "Harbor View Hotel, hello!" in greeting["response"]["instructions"]


async def test_pcmu_for_phone_calls(rt: RealtimeServer, rt_settings: Settings,
                                    db: Database) -> None:
    engine = realtime(rt_settings, db, audio_format="pcmu")
    assert engine.input_rate == 8000
    rt.transcripts.append("Hello")
    rt.responses.append([Speak("Hello there.", ms=300)])
    async with Call(engine, rate=8000) as call:
        await eventually(lambda: bool(rt.connections) and bool(rt.last.sent("session.update")))
        await call.say(400)
        await eventually(lambda: len(call.turns(Role.AGENT)) == 1, what="agent turn")
    session = rt.connections[0].sent("session.update")[0]["session"]
    assert session["audio"]["input"]["format"] == {"type": "audio/pcmu"}
    assert session["audio"]["output"]["format"] == {"type": "audio/pcmu"}
    appended = sum(len(e["audio"]) for e in rt.events("input_audio_buffer.append"))
    # one byte per 8 kHz sample (base64 4/3): μ-law, not resampled PCM
    assert appended * 3 // 4 >= 8000 * 400 // 1000 - 160
    assert call.audio_frames >= 10


def engine_for(settings: Settings, db: Database, **kw: Any) -> Engine:
    """make_engine(...) for both of its signatures: (settings, db=) and (resources) (the
    shared engine resources; only `.settings` and `.db` are read for the openai engine)."""
    factory: Any = make_engine
    if "resources" in inspect.signature(make_engine).parameters:
        return cast(Engine, factory(SimpleNamespace(settings=settings, db=db, outbound=None), **kw))
    return cast(Engine, factory(settings, db=db, **kw))


def test_make_engine_selects_openai(rt_settings: Settings, db: Database) -> None:
    engine = engine_for(rt_settings, db, audio_format="pcmu")
    assert isinstance(engine, FailoverEngine)
    assert engine.name == "openai-realtime"
    assert engine.input_rate == 8000
    assert engine_for(rt_settings, db).input_rate == 24000
    with pytest.raises(ValueError, match="OPENAI_API_KEY"):
        engine_for(replace(rt_settings, openai_api_key=""), db)


# -- audio, transcripts, latency ---------------------------------------------------------------

async def test_audio_round_trip_with_transcripts_and_latency(
        rt: RealtimeServer, rt_settings: Settings, db: Database) -> None:
    rt.transcripts.append("What time is breakfast?")
    rt.responses.append([Speak("Breakfast is from seven.", ms=500)])
    async with Call(realtime(rt_settings, db)) as call:
        await eventually(lambda: bool(rt.connections))
        await call.say(600)
        await eventually(lambda: len(call.turns(Role.AGENT)) == 1, what="agent turn")
    assert rt.events("input_audio_buffer.commit")
    sent_bytes = sum(len(e["audio"]) * 3 // 4 for e in rt.events("input_audio_buffer.append"))
    assert sent_bytes >= 24000 * 2 * 600 // 1000  # the whole turn went up as 24 kHz PCM16
    assert call.audio_frames >= 20  # ~500 ms of the reply reached the transport
    guest, agent = call.turns(Role.GUEST)[0], call.turns(Role.AGENT)[0]
    assert guest.text == "What time is breakfast?"
    assert guest.stt_ms is not None
    assert agent.text == "Breakfast is from seven."
    assert not agent.interrupted
    assert agent.voice_to_voice_ms is not None and agent.voice_to_voice_ms > 0
    assert agent.first_audio_ms is not None
    assert agent.voice_to_voice_ms >= agent.first_audio_ms


# -- tools -----------------------------------------------------------------------------------

async def test_tool_call_books_a_room_and_answers_the_model(
        rt: RealtimeServer, rt_settings: Settings, db: Database) -> None:
    args = {"room_type": "Deluxe King", "check_in": "2026-12-10", "nights": 2, "guests": 2,
            "guest_name": "Dana Fox", "phone": "+447700900199"}
    rt.transcripts.append("Book me a deluxe king please")
    rt.responses.append([CallTool("make_reservation", json.dumps(args), call_id="call_book")])
    rt.responses.append([Speak("You're booked.", ms=200)])
    async with Call(realtime(rt_settings, db)) as call:
        await eventually(lambda: bool(rt.connections))
        await call.say(400)
        await eventually(lambda: len(call.turns(Role.AGENT)) == 1, what="agent turn")
    outputs = rt.events("conversation.item.create")
    assert len(outputs) == 1
    item = outputs[0]["item"]
    assert item["type"] == "function_call_output" and item["call_id"] == "call_book"
    result = json.loads(item["output"])
    assert result["ok"] is True
    code = result["data"]["confirmation_code"]
    assert len(rt.events("response.create")) == 2  # the turn, then after the tool output
    async with db.session() as s:
        row = await s.scalar(select(Reservation).where(Reservation.code == code))
    assert row is not None and row.guests == 2
    turn = call.turns(Role.AGENT)[0]
    assert turn.text == "You're booked."
    assert [c.name for c in turn.tool_calls] == ["make_reservation"]
    assert turn.tool_calls[0].ok and turn.tool_calls[0].arguments["guest_name"] == "Dana Fox"


async def test_tool_calls_are_persisted_with_the_session_turns(
        rt: RealtimeServer, rt_settings: Settings, db: Database) -> None:
    manager = SessionManager(db)
    manager.start()
    session = await manager.create(Transport.WEBRTC, CALLER)
    rt.transcripts.append("Any rooms on the tenth?")
    rt.responses.append([CallTool("check_availability", json.dumps(
        {"check_in": "2026-12-10", "nights": 1, "guests": 2}))])
    rt.responses.append([Speak("Yes, we have rooms.", ms=200)])
    try:
        async with Call(realtime(rt_settings, db), call_id=session.id,
                        also=session.on_engine_output) as call:
            await eventually(lambda: bool(rt.connections))
            await call.say(300)
            await eventually(lambda: len(call.turns(Role.AGENT)) == 1, what="agent turn")
        await manager.turn_writer.flush()
        async with db.session() as s:
            rows = list(await s.scalars(select(ConversationTurn).where(
                ConversationTurn.call_id == session.id).order_by(ConversationTurn.seq)))
        assert [r.role for r in rows] == ["caller", "agent"]
        assert rows[0].text == "Any rooms on the tenth?"
        assert rows[1].text == "Yes, we have rooms."
        assert rows[1].voice_to_voice_ms is not None
        calls = rows[1].tool_calls or []
        assert [(c["name"], c["ok"]) for c in calls] == [("check_availability", True)]
        assert session.to_json()["turns"][1]["tool_calls"][0]["name"] == "check_availability"
    finally:
        await session.end("staff_ended")
        await manager.close()


async def test_invalid_tool_args_return_the_structured_error(
        rt: RealtimeServer, rt_settings: Settings, db: Database) -> None:
    rt.responses.append([CallTool("make_reservation", json.dumps(
        {"room_type": "Deluxe King", "check_in": "not a date", "guests": 2,
         "guest_name": "Dana Fox"}), call_id="call_bad"),
        CallTool("check_availability", "{not json", call_id="call_broken")])
    rt.responses.append([Speak("Which date?", ms=200)])
    before = await count_reservations(db)
    async with Call(realtime(rt_settings, db)) as call:
        await eventually(lambda: bool(rt.connections))
        await call.say(300)
        await eventually(lambda: len(call.turns(Role.AGENT)) == 1, what="agent turn")
    assert await count_reservations(db) == before
    outputs = {e["item"]["call_id"]: json.loads(e["item"]["output"])
               for e in rt.events("conversation.item.create")}
    bad = outputs["call_bad"]
    assert bad["ok"] is False
    assert bad["error"]["code"] == "invalid_argument" and bad["error"]["field"] == "check_in"
    assert bad["error"]["question"]
    broken = outputs["call_broken"]
    assert broken["ok"] is False and broken["error"]["code"] == "invalid_argument"
    calls = call.turns(Role.AGENT)[0].tool_calls
    assert [(c.name, c.ok, c.error_code) for c in calls] == [
        ("make_reservation", False, "invalid_argument"),
        ("check_availability", False, "invalid_argument")]


# -- barge-in --------------------------------------------------------------------------------

async def test_barge_in_truncates_at_played_ms_and_cancels(
        rt: RealtimeServer, rt_settings: Settings, db: Database) -> None:
    rt.responses.append([Speak("A long answer about our rooms and rates and views.", ms=4000,
                               chunk_ms=100, pace_s=0.05)])
    async with Call(realtime(rt_settings, db)) as call:
        await eventually(lambda: bool(rt.connections))
        await call.say(300)
        await eventually(lambda: call.playout.played_ms >= 400, what="reply playing")
        cut = call.interrupt()
        await eventually(lambda: bool(rt.events("conversation.item.truncate")),
                         what="truncate")
        await eventually(lambda: bool(rt.events("response.cancel")), what="cancel")
        await eventually(lambda: len(call.turns(Role.AGENT)) == 1, what="agent turn")
        frames_after = call.audio_frames
        await asyncio.sleep(0.3)
        assert call.audio_frames == frames_after  # late deltas are not played
    truncate = rt.events("conversation.item.truncate")[0]
    assert truncate["audio_end_ms"] == int(cut.played_ms)
    assert 400 <= truncate["audio_end_ms"] < 4000
    assert truncate["content_index"] == 0
    assert truncate["item_id"] == cut.utterance_id
    turn = call.turns(Role.AGENT)[0]
    assert turn.interrupted


# -- faults ----------------------------------------------------------------------------------

async def test_dropped_connection_reconnects_with_a_summary(
        rt: RealtimeServer, rt_settings: Settings, db: Database) -> None:
    rt.transcripts.append("Is the pool open late?")
    rt.responses.append([Speak("The pool is open until ten.", ms=200)])
    async with Call(realtime(rt_settings, db)) as call:
        await eventually(lambda: bool(rt.connections))
        await call.say(300)
        await eventually(lambda: len(call.turns(Role.AGENT)) == 1, what="first reply")
        first = rt.connections[0]
        rt.drop_when = lambda conn, event: (conn is first
                                            and event.get("type") == "input_audio_buffer.append")
        rt.transcripts.append("And the gym?")
        rt.responses.append([Speak("The gym too.", ms=200)])
        await call.say(300)  # drops on the first audio; the turn is re-sent after reconnecting
        rt.drop_when = None
        await eventually(lambda: len(rt.connections) == 2, what="reconnect")
        await eventually(lambda: len(call.turns(Role.AGENT)) == 2, what="second reply")
        assert not call.engine_task.done()
    resumed = rt.connections[1].sent("session.update")[0]["session"]
    assert "Harbor View Hotel" in resumed["instructions"]
    assert "Guest: Is the pool open late?" in resumed["instructions"]
    assert "Agent: The pool is open until ten." in resumed["instructions"]
    assert resumed["tools"]
    assert rt.connections[1].sent("input_audio_buffer.commit")
    assert call.turns(Role.GUEST)[-1].text == "And the gym?"


async def test_drop_before_the_turn_was_heard_resends_it(
        rt: RealtimeServer, rt_settings: Settings, db: Database) -> None:
    rt.drop_before = lambda conn, event: (conn is rt.connections[0]
                                          and event.get("type") == "input_audio_buffer.commit")
    rt.transcripts.append("I need a taxi")
    rt.responses.append([Speak("I'll call one for you.", ms=200)])
    async with Call(realtime(rt_settings, db)) as call:
        await eventually(lambda: bool(rt.connections))
        await call.say(300)
        await eventually(lambda: len(rt.connections) == 2, what="reconnect")
        await eventually(lambda: len(call.turns(Role.AGENT)) == 1, what="the reply")
    second = rt.connections[1]
    appended = sum(len(e["audio"]) * 3 // 4 for e in second.sent("input_audio_buffer.append"))
    assert appended >= 24000 * 2 * 300 // 1000  # the whole turn again
    assert second.sent("input_audio_buffer.commit") and second.sent("response.create")
    assert call.turns(Role.GUEST)[0].text == "I need a taxi"
    agent = call.turns(Role.AGENT)[0]
    assert agent.text == "I'll call one for you."
    assert agent.voice_to_voice_ms is not None  # still measured from the guest's speech end


async def test_drop_after_the_turn_was_heard_asks_for_the_reply(
        rt: RealtimeServer, rt_settings: Settings, db: Database) -> None:
    rt.drop_when = lambda conn, event: (conn is rt.connections[0]
                                        and event.get("type") == "input_audio_buffer.commit")
    rt.transcripts.append("I need a taxi")
    rt.responses.append([Speak("I'll call one for you.", ms=200)])
    async with Call(realtime(rt_settings, db)) as call:
        await eventually(lambda: bool(rt.connections))
        await call.say(300)
        await eventually(lambda: len(rt.connections) == 2, what="reconnect")
        rt.drop_when = None
        await eventually(lambda: len(call.turns(Role.AGENT)) == 1, what="the reply")
    second = rt.connections[1]
    assert "Guest: I need a taxi" in second.sent("session.update")[0]["session"]["instructions"]
    assert not second.sent("input_audio_buffer.commit")
    assert len(second.sent("response.create")) == 1


async def test_session_limit_resumes_on_a_new_session(
        rt: RealtimeServer, rt_settings: Settings, db: Database) -> None:
    rt.transcripts.append("Hello")
    rt.responses.append([Speak("Hello, how can I help?", ms=200)])
    # The limit ends a session that lived: the engine must resume at once, not back off.
    engine = realtime(rt_settings, db, stable_after_s=0.0, backoff_s=30.0, max_backoff_s=30.0)
    async with Call(engine) as call:
        await eventually(lambda: bool(rt.connections))
        await call.say(300)
        await eventually(lambda: len(call.turns(Role.AGENT)) == 1)
        await rt.expire_session(rt.connections[0])
        await eventually(lambda: len(rt.connections) == 2, within=5, what="new session")
        await eventually(lambda: bool(rt.connections[1].sent("session.update")))
        assert not call.engine_task.done()
    assert "Agent: Hello, how can I help?" in \
        rt.connections[1].sent("session.update")[0]["session"]["instructions"]


class StandIn:
    """The offline side for failover tests: records that it took over the same io."""

    name = "offline"
    input_rate = 16000

    def __init__(self) -> None:
        self.ran = asyncio.Event()
        self.got: list[object] = []

    async def run(self, io: EngineIO) -> None:
        self.ran.set()
        while True:
            self.got.append(await io.inbox.get())


async def test_repeated_failure_fails_over_and_the_call_continues(
        rt: RealtimeServer, rt_settings: Settings, db: Database) -> None:
    rt.refuse = 100
    offline = StandIn()
    engine = FailoverEngine(realtime(rt_settings, db), lambda: offline)
    async with Call(engine) as call:
        await asyncio.wait_for(offline.ran.wait(), 10)
        await eventually(lambda: call.audio_frames > 10, what="the notice is spoken")
        assert not call.engine_task.done()
        await call.say(400)  # 24 kHz frames from the bridge reach it at its own 16 kHz
        await eventually(lambda: any(isinstance(g, SpeechEnded) for g in offline.got))
    frames = [g for g in offline.got if isinstance(g, AudioFrame)]
    assert frames and {f.sample_rate for f in frames} == {16000}
    assert any(isinstance(g, SpeechStarted) for g in offline.got)
    assert rt.handshakes == 3  # OPENAI_RECONNECT_ATTEMPTS
    switched = [o for o in call.outputs if isinstance(o, EngineSwitched)]
    assert [s.name for s in switched] == ["offline"]
    assert any(isinstance(o, EngineNotice) for o in call.outputs)
    assert "trouble" in call.turns(Role.AGENT)[-1].text
    assert engine.name == "offline"


async def test_auth_error_event_fails_over_at_once(
        rt: RealtimeServer, rt_settings: Settings, db: Database) -> None:
    rt.inject = [{"type": "error", "error": {"type": "invalid_request_error",
                                             "code": "insufficient_quota",
                                             "message": "You exceeded your current quota."}}]
    offline = StandIn()
    engine = FailoverEngine(realtime(rt_settings, db), lambda: offline)
    async with Call(engine):
        await asyncio.wait_for(offline.ran.wait(), 10)
    assert len(rt.connections) == 1  # no retry on quota


async def test_failed_response_for_quota_fails_over(
        rt: RealtimeServer, rt_settings: Settings, db: Database) -> None:
    rt.responses.append([Fail("insufficient_quota", "insufficient_quota")])
    offline = StandIn()
    engine = FailoverEngine(realtime(rt_settings, db), lambda: offline)
    async with Call(engine) as call:
        await eventually(lambda: bool(rt.connections))
        await call.say(300)
        await asyncio.wait_for(offline.ran.wait(), 10)
    assert len(rt.connections) == 1


async def test_bad_key_is_not_retried(rt: RealtimeServer, rt_settings: Settings,
                                      db: Database) -> None:
    engine = realtime(replace(rt_settings, openai_api_key="wrong"), db)
    async with Call(engine) as call:
        with pytest.raises(RealtimeUnavailable):
            await asyncio.wait_for(call.engine_task, 10)
    assert rt.handshakes == 1


async def test_error_events_and_junk_are_logged_and_skipped(
        rt: RealtimeServer, rt_settings: Settings, db: Database,
        caplog: pytest.LogCaptureFixture) -> None:
    rt.inject = [
        "this is not json",
        json.dumps(["not", "an", "object"]),
        json.dumps({"no": "type"}),
        json.dumps({"type": "response.brand_new_event", "x": 1}),
        json.dumps({"type": "response.output_audio.delta", "delta": 5}),  # malformed
        json.dumps({"type": "response.done"}),  # malformed: no response
        json.dumps({"type": "error", "error": {"type": "invalid_request_error",
                                               "code": "unknown_parameter",
                                               "message": "Unknown parameter: 'foo'."}}),
    ]
    rt.transcripts.append("Hello")
    rt.responses.append([Speak("Still here.", ms=200)])
    caplog.set_level(logging.DEBUG)
    async with Call(realtime(rt_settings, db)) as call:
        await eventually(lambda: bool(rt.connections))
        await call.say(300)
        await eventually(lambda: len(call.turns(Role.AGENT)) == 1, what="agent turn")
        assert not call.engine_task.done()
    assert len(rt.connections) == 1
    text = caplog.text
    assert "non-JSON" in text
    assert "unknown event 'response.brand_new_event'" in text
    assert "malformed response.output_audio.delta" in text
    assert "unknown_parameter" in text
    assert "test" not in [r.getMessage() for r in caplog.records]
    assert "Bearer test" not in text


async def test_api_key_is_never_logged(rt: RealtimeServer, rt_settings: Settings,
                                       db: Database, caplog: pytest.LogCaptureFixture) -> None:
    secret = "sk-secret-do-not-log-0123456789"
    rt.api_key = secret
    caplog.set_level(logging.DEBUG)
    settings = replace(rt_settings, openai_api_key=secret)
    async with Call(realtime(settings, db)):
        await eventually(lambda: bool(rt.connections) and bool(rt.last.sent("session.update")))
    assert secret not in caplog.text
    assert secret not in repr(settings) and secret not in str(settings.describe())


async def test_tool_end_call_requests_hangup_after_speaking(
        rt: RealtimeServer, rt_settings: Settings, db: Database) -> None:
    rt.responses.append([CallTool("end_call", json.dumps({"reason": "guest said goodbye"}))])
    rt.responses.append([Speak("Goodbye!", ms=200)])
    async with Call(realtime(rt_settings, db)) as call:
        await eventually(lambda: bool(rt.connections))
        await call.say(300)
        await eventually(lambda: any(isinstance(o, EndCallRequested) for o in call.outputs),
                         what="end call")
    assert call.turns(Role.AGENT)[-1].text == "Goodbye!"
