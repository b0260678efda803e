"""The OpenAI Realtime engine: the call's audio to `gpt-realtime` over the SDK's websocket, and
its spoken replies into the playout.

Turns and barge-in come from the bridge's local VAD (docs/openai.md says why): the engine streams
the guest's speech, commits it at `SpeechEnded` and asks for a response; on `Interrupted` it
truncates the reply at the milliseconds actually played and cancels the response. Tools run
through `execute_voice_tool`. A dropped connection is reopened with bounded exponential backoff
and resumed with the session configuration plus a summary of the conversation; when that keeps
failing (or the key or quota is refused) `run()` raises `RealtimeUnavailable` and the failover
wrapper (server/engines/failover.py) moves the call to the offline engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from openai import AsyncOpenAI
from openai.resources.realtime.realtime import AsyncRealtimeConnection

from media.engine import (
    AgentState,
    EndCallRequested,
    EngineInput,
    EngineIO,
    Interrupted,
    StateChanged,
)
from media.events import (
    PlayoutCleared,
    PlayoutFinished,
    PlayoutStarted,
    SpeechEnded,
    SpeechStarted,
)
from media.frames import AudioFrame
from media.playout import Playout
from media.resample import ToRate
from server.db.database import Database
from server.engines.realtime_audio import AudioFormat, parse_format, to_rate
from server.engines.realtime_errors import (
    FatalRealtimeError,
    Fault,
    SessionEnded,
    classify_error,
)
from server.engines.realtime_link import (
    STABLE_AFTER_S,
    Event,
    RealtimeLink,
    append,
    function_output,
    system_note,
    truncate,
)
from server.engines.realtime_logging import install_redaction
from server.engines.realtime_session import (
    ConversationLog,
    build_instructions,
    session_config,
    with_summary,
)
from server.engines.realtime_tools import run_tool_call, tool_output
from server.engines.realtime_turns import Reply, TurnBook
from server.settings import Settings
from server.tools import ToolContext, ToolResult
from server.tools.context import CallHooks, utc_now

if TYPE_CHECKING:
    from server.outbound import Outbound

log = logging.getLogger(__name__)

PRE_ROLL_MS = 400  # guest audio kept before SpeechStarted (the VAD fires ~240 ms into speech)
FALLBACK_INSTRUCTIONS = ("You are the receptionist answering the phone for Harbor View Hotel. "
                         "Be brief and use the tools for anything about bookings.")

# Server events the engine does not need (logged at debug, not as unknown).
IGNORED = frozenset({
    "session.created", "conversation.created", "conversation.item.added",
    "conversation.item.done", "conversation.item.created", "conversation.item.truncated",
    "conversation.item.deleted", "conversation.item.retrieved", "input_audio_buffer.cleared",
    "input_audio_buffer.speech_started", "input_audio_buffer.speech_stopped",
    "input_audio_buffer.timeout_triggered", "output_audio_buffer.started",
    "output_audio_buffer.stopped", "output_audio_buffer.cleared", "response.output_item.added",
    "response.output_item.done", "response.content_part.added", "response.content_part.done",
    "response.function_call_arguments.delta", "response.output_text.delta",
    "response.output_text.done", "rate_limits.updated",
    "conversation.item.input_audio_transcription.delta",
    "conversation.item.input_audio_transcription.segment",
})


def _text(event: Event, key: str) -> str:
    value = event.get(key)
    if not isinstance(value, str):
        raise ValueError(f"{event.get('type')}: {key!r} missing or not a string")
    return value


class OpenAIRealtimeEngine:
    """One call on the Realtime API. `audio_format` is the transport's: "pcm24k" (WebRTC) or
    "pcmu" (Twilio: 8 kHz frames go out μ-law encoded, no resampling)."""

    name = "openai-realtime"

    def __init__(self, settings: Settings, *, audio_format: str | AudioFormat = "pcm24k",
                 db: Database | None = None, greeting: str | None = None,
                 hooks: CallHooks | None = None, outbound: Outbound | None = None,
                 clock: Callable[[], Any] = utc_now, backoff_s: float = 0.5,
                 max_backoff_s: float = 8.0, stable_after_s: float = STABLE_AFTER_S) -> None:
        if not settings.openai_api_key:
            raise ValueError("the openai engine needs OPENAI_API_KEY")
        self.settings = settings
        self.format = parse_format(audio_format)
        self.input_rate = self.format.rate
        self.greeting = greeting
        self._db = db
        self._owns_db = db is None
        self._clock = clock
        self._hooks = hooks
        self._outbound = outbound
        install_redaction()
        self._client = AsyncOpenAI(
            api_key=settings.openai_api_key,
            base_url=settings.openai_base_url or None,
            websocket_base_url=settings.openai_websocket_base_url or None,
        )
        self._link = RealtimeLink(
            self._client, settings.openai_realtime_model, on_open=self._configure,
            on_event=self._dispatch, on_close=self._on_disconnect,
            max_attempts=settings.openai_reconnect_attempts, backoff_s=backoff_s,
            max_backoff_s=max_backoff_s, stable_after_s=stable_after_s)
        self._io: EngineIO | None = None
        self._ctx: ToolContext | None = None
        self._book: TurnBook | None = None
        self._log = ConversationLog()
        self._instructions = FALLBACK_INSTRUCTIONS
        self._tasks: set[asyncio.Task[Any]] = set()
        self._to_rate = ToRate(self.input_rate)
        self._pre_roll: deque[AudioFrame] = deque(maxlen=max(1, PRE_ROLL_MS // 20))
        self._in_speech = False
        self._speech_started_at = 0.0
        self._turn_incomplete = False  # the server lost part of the current turn's audio
        self._pending_turn: SpeechEnded | None = None  # a turn that ended while disconnected
        self._awaiting_since: float | None = None
        self._last_turn: SpeechEnded | None = None  # the latest turn, until it is transcribed
        self._active_response: str | None = None
        self._resume_response = False
        self._cancelled: set[str] = set()
        self._tool_tasks: dict[str, asyncio.Task[ToolResult]] = {}
        self._tools_by_response: dict[str, list[tuple[str, int]]] = {}
        self._end_requested = False

    # -- lifetime ----------------------------------------------------------------------------
    async def run(self, io: EngineIO) -> None:
        self._io = io
        io.wants_audio = True
        if self._db is None:
            self._db = Database(self.settings.database_url)
        self._ctx = ToolContext(db=self._db, call_id=io.call_id, caller=io.caller,
                                clock=self._clock, hooks=self._hooks, outbound=self._outbound)
        self._book = TurnBook(io.emit, self._log)
        try:
            self._instructions = await build_instructions(self._ctx)
        except Exception:
            log.exception("call %s: could not build instructions; using the short ones",
                          io.call_id)
        inbox = asyncio.create_task(self._consume_inbox(io), name=f"rt-inbox-{io.call_id}")
        link = asyncio.create_task(self._link.run(), name=f"rt-link-{io.call_id}")
        try:
            done, _ = await asyncio.wait({inbox, link}, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
        finally:
            for task in (inbox, link, *self._tasks, *self._tool_tasks.values()):
                task.cancel()
            await asyncio.gather(inbox, link, *self._tasks, *self._tool_tasks.values(),
                                 return_exceptions=True)
            self._book.flush()
            await self._client.close()
            if self._owns_db and self._db is not None:
                await self._db.dispose()

    def _spawn(self, coro: Awaitable[Any], name: str) -> None:
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("realtime task %s failed", task.get_name(), exc_info=task.exception())

    # -- connection --------------------------------------------------------------------------
    async def _configure(self, conn: AsyncRealtimeConnection, resume: bool) -> None:
        """Send the session (with the conversation so far, when resuming) and what was due."""
        instructions = with_summary(self._instructions, self._log) if resume else \
            self._instructions
        await conn.session.update(session=session_config(
            instructions=instructions, voice=self.settings.openai_voice,
            audio_format=self.format, transcribe_model=self.settings.openai_transcribe_model))
        if not resume:
            if self.greeting:
                await conn.response.create(response={
                    "instructions": f"Greet the caller with exactly: {self.greeting}"})
            return
        if self._in_speech:
            self._turn_incomplete = True
        turn, self._pending_turn = self._pending_turn, None
        if turn is not None:
            audio = to_rate(turn.audio, turn.sample_rate, self.input_rate)
            await conn.input_audio_buffer.append(audio=self.format.to_payload(audio))
            await conn.input_audio_buffer.commit()
            await conn.response.create()
        elif self._resume_response:
            await conn.response.create()
        self._resume_response = False

    def _on_disconnect(self) -> None:
        """Close replies in flight so their turns are emitted; remember a response was due."""
        if self._active_response is not None or self._tool_tasks:
            self._resume_response = True
        if self._awaiting_since is not None and self._pending_turn is None:
            # The guest's last turn is still unanswered: re-send it if the old session never
            # transcribed it (so the summary lacks it), else just ask for the reply.
            if self._last_turn is not None:
                self._pending_turn = self._last_turn
            else:
                self._resume_response = True
        self._active_response = None
        for r in list(self._replies.values()):
            self._close_audio(r)
            if r.transcript is None:
                r.transcript = r.text

    async def _dispatch(self, event: Event) -> None:
        """One server event → its handler; unknown types and malformed events are skipped."""
        kind = str(event["type"])
        handler = self._handlers.get(kind)
        if handler is None:
            if kind not in IGNORED:
                log.warning("realtime: skipping unknown event %r", kind)
            return
        try:
            await handler(self, event)
        except (SessionEnded, FatalRealtimeError):
            raise
        except Exception:
            log.exception("realtime: skipping malformed %s event", kind)

    async def _on_session_updated(self, event: Event) -> None:
        log.info("realtime session configured (%s)", self.format.value)

    async def _on_error(self, event: Event) -> None:
        error = event.get("error")
        error = error if isinstance(error, dict) else {}
        fault = classify_error(error)
        code, message = error.get("code"), error.get("message")
        if fault is Fault.FATAL:
            raise FatalRealtimeError(f"{code}: {message}")
        if fault is Fault.SESSION_ENDED:
            raise SessionEnded(f"{code}: {message}")
        level = logging.DEBUG if fault is Fault.BENIGN else logging.WARNING
        log.log(level, "realtime error event %s: %s", code, message)

    async def _on_committed(self, event: Event) -> None:
        self._turns.committed(_text(event, "item_id"))

    async def _on_input_transcript(self, event: Event) -> None:
        self._turns.guest_transcript(_text(event, "item_id"), _text(event, "transcript"))
        self._last_turn = None

    async def _on_input_transcript_failed(self, event: Event) -> None:
        log.warning("realtime: input transcription failed: %s", event.get("error"))

    async def _on_response_created(self, event: Event) -> None:
        response = event.get("response")
        if isinstance(response, dict) and isinstance(response.get("id"), str):
            self._active_response = response["id"]

    async def _on_audio_delta(self, event: Event) -> None:
        item_id = _text(event, "item_id")
        if item_id in self._cancelled:
            return
        samples = self.format.from_payload(_text(event, "delta"))
        if samples.size == 0:
            return
        r = self._reply(item_id, str(event.get("response_id") or ""))
        r.audio_samples += samples.size
        self._playout().enqueue(samples, self.format.rate, utterance_id=item_id)

    async def _on_audio_done(self, event: Event) -> None:
        r = self._replies.get(_text(event, "item_id"))
        if r is not None:
            self._close_audio(r)

    async def _on_transcript_delta(self, event: Event) -> None:
        item_id = _text(event, "item_id")
        if item_id not in self._cancelled:
            self._reply(item_id, str(event.get("response_id") or "")).parts.append(
                _text(event, "delta"))

    async def _on_transcript_done(self, event: Event) -> None:
        item_id = _text(event, "item_id")
        r = self._replies.get(item_id)
        if r is None and item_id not in self._cancelled:
            r = self._reply(item_id, str(event.get("response_id") or ""))
        if r is not None:
            r.transcript = _text(event, "transcript")
            self._turns.maybe_emit(r)

    async def _on_function_args_done(self, event: Event) -> None:
        self._start_tool(_text(event, "call_id"), _text(event, "name"),
                         str(event.get("arguments") or ""), str(event.get("response_id") or ""))

    async def _on_response_done(self, event: Event) -> None:
        response = event.get("response")
        if not isinstance(response, dict):
            raise ValueError("response.done without a response")
        response_id = str(response.get("id") or "")
        if self._active_response == response_id or not response_id:
            self._active_response = None
        for item in response.get("output") or []:
            if not isinstance(item, dict):
                continue
            if item.get("type") == "function_call" and isinstance(item.get("call_id"), str):
                self._start_tool(item["call_id"], str(item.get("name") or ""),
                                 str(item.get("arguments") or ""), response_id)
            elif item.get("type") == "message" and isinstance(item.get("id"), str):
                r = self._replies.get(item["id"])
                if r is not None:
                    self._close_audio(r)
                    if r.transcript is None:
                        r.transcript = r.text
                    self._turns.maybe_emit(r)
        if self._tools_by_response.get(response_id):
            self._spawn(self._answer_tools(response_id), f"rt-tools-{response_id}")
        elif response.get("status") not in ("completed", "cancelled", None):
            details = response.get("status_details")
            error = details.get("error") if isinstance(details, dict) else None
            if isinstance(error, dict) and classify_error(error) is Fault.FATAL:
                raise FatalRealtimeError(f"response failed: {error.get('code')}")
            log.warning("realtime response %s ended %s: %s", response_id,
                        response.get("status"), details)

    _handlers: dict[str, Callable[[OpenAIRealtimeEngine, Event], Awaitable[None]]] = {
        "session.updated": _on_session_updated,
        "error": _on_error,
        "input_audio_buffer.committed": _on_committed,
        "conversation.item.input_audio_transcription.completed": _on_input_transcript,
        "conversation.item.input_audio_transcription.failed": _on_input_transcript_failed,
        "response.created": _on_response_created,
        "response.output_audio.delta": _on_audio_delta,
        "response.output_audio.done": _on_audio_done,
        "response.output_audio_transcript.delta": _on_transcript_delta,
        "response.output_audio_transcript.done": _on_transcript_done,
        "response.function_call_arguments.done": _on_function_args_done,
        "response.done": _on_response_done,
    }

    # -- replies -----------------------------------------------------------------------------
    @property
    def _turns(self) -> TurnBook:
        assert self._book is not None, "run() not started"
        return self._book

    @property
    def _replies(self) -> dict[str, Reply]:
        return self._turns.replies

    def _playout(self) -> Playout:
        assert self._io is not None
        return self._io.playout

    def _reply(self, item_id: str, response_id: str) -> Reply:
        known = item_id in self._replies
        r = self._turns.reply(item_id, response_id, self._awaiting_since)
        if not known:
            self._awaiting_since = None
        return r

    def _close_audio(self, r: Reply) -> None:
        """Queue the utterance's end so the playout reports it finished."""
        if r.audio_samples and not r.audio_closed and not r.interrupted:
            r.audio_closed = True
            self._playout().enqueue(np.zeros(0, np.int16), self.format.rate,
                                    utterance_id=r.item_id, last=True)

    # -- tools -------------------------------------------------------------------------------
    def _start_tool(self, call_id: str, name: str, arguments: str, response_id: str) -> None:
        if call_id in self._tool_tasks or not name:
            return
        self._tools_by_response.setdefault(response_id, []).append((call_id, self._link.generation))
        self._tool_tasks[call_id] = asyncio.create_task(self._run_tool(name, arguments),
                                                        name=f"rt-tool-{name}")

    async def _run_tool(self, name: str, arguments: str) -> ToolResult:
        assert self._ctx is not None
        result, call = await run_tool_call(name, arguments, self._ctx)
        self._turns.add_tool_call(call)
        self._log.add("Tool", f"{name}({json.dumps(call.arguments, default=str)}) -> "
                              f"{result.speech}")
        if result.end_call:
            self._end_requested = True
        return result

    async def _answer_tools(self, response_id: str) -> None:
        """Send every tool output of a finished response, then ask for the next response.
        If the connection changed meanwhile, the new session never saw the calls: the results
        go in as a system message instead."""
        call_ids = self._tools_by_response.pop(response_id, [])
        generation = self._link.generation
        results = await asyncio.gather(*(self._tool_tasks[c] for c, _ in call_ids))
        sent = True
        for (call_id, started_in), result in zip(call_ids, results, strict=True):
            if started_in == self._link.generation:
                op = function_output(call_id, tool_output(result))
            else:
                op = system_note(f"Result of {result.tool}: {tool_output(result)}")
            sent = await self._link.send("tool output", op) and sent
        for call_id, _ in call_ids:
            self._tool_tasks.pop(call_id, None)
        if generation != self._link.generation or not sent or not await self._link.send(
                "response.create", lambda c: c.response.create()):
            self._resume_response = not self._link.connected

    # -- inbox -------------------------------------------------------------------------------
    async def _consume_inbox(self, io: EngineIO) -> None:
        while True:
            await self._on_input(await io.inbox.get())

    async def _on_input(self, item: EngineInput) -> None:
        if isinstance(item, AudioFrame):
            await self._on_audio(item)
        elif isinstance(item, SpeechStarted):
            await self._on_speech_started()
        elif isinstance(item, SpeechEnded):
            await self._on_speech_ended(item)
        elif isinstance(item, Interrupted):
            await self._on_interrupted(item)
        elif isinstance(item, PlayoutStarted):
            self._on_playout_started(item)
        elif isinstance(item, PlayoutFinished):
            self._on_playout_finished(item)
        elif isinstance(item, PlayoutCleared):
            self._emit(StateChanged(AgentState.LISTENING))

    def _emit(self, output: StateChanged | EndCallRequested) -> None:
        assert self._io is not None
        self._io.emit(output)

    async def _on_audio(self, frame: AudioFrame) -> None:
        if frame.sample_rate != self.input_rate:
            samples = self._to_rate.process(frame.samples, frame.sample_rate)
            if samples.size == 0:
                return
            frame = AudioFrame(samples, self.input_rate, frame.timestamp)
        if not self._in_speech:
            self._pre_roll.append(frame)
            return
        payload = self.format.to_payload(frame.samples)
        await self._link.send("audio", append(payload))

    async def _on_speech_started(self) -> None:
        self._in_speech = True
        self._speech_started_at = time.time()
        if self._active_response is not None and not self._playout().is_playing:
            # The guest went on talking before any reply was heard: drop that reply; the
            # next one answers everything they said.
            await self._drop_active_response()
        frames, self._pre_roll = list(self._pre_roll), deque(maxlen=self._pre_roll.maxlen)
        if frames:
            payload = self.format.to_payload(np.concatenate([f.samples for f in frames]))
            await self._link.send("audio", append(payload))

    async def _on_speech_ended(self, event: SpeechEnded) -> None:
        """The guest's turn is over: commit it and ask for the reply."""
        self._in_speech = False
        now = time.time()
        self._turns.guest_turn(self._speech_started_at or now, now)
        self._awaiting_since = now
        self._last_turn = event
        self._emit(StateChanged(AgentState.THINKING))
        if not self._link.connected:
            self._pending_turn = event
            return
        if self._turn_incomplete:
            self._turn_incomplete = False
            audio = self.format.to_payload(to_rate(event.audio, event.sample_rate, self.input_rate))
            await self._link.send("clear", lambda c: c.input_audio_buffer.clear())
            await self._link.send("audio", append(audio))
        if self._active_response is not None:  # the guest spoke again before it answered
            if self._playout().is_playing:
                await self._link.send("response.cancel", lambda c: c.response.cancel())
            else:
                await self._drop_active_response()
        if not await self._link.send("commit", lambda c: c.input_audio_buffer.commit()):
            self._pending_turn = event
            return
        await self._link.send("response.create", lambda c: c.response.create())

    async def _drop_active_response(self) -> None:
        """Cancel the response in progress; none of its audio has been heard."""
        for r in [r for r in self._replies.values() if r.response_id == self._active_response]:
            self._cancelled.add(r.item_id)
            r.emitted = True
            self._replies.pop(r.item_id, None)
        await self._link.send("response.cancel", lambda c: c.response.cancel())
        self._active_response = None

    async def _on_interrupted(self, event: Interrupted) -> None:
        """Barge-in: the bridge cleared the playout after `played_ms`; make the model's memory
        of its reply match what the guest heard, and stop the response."""
        heard = self._replies.get(event.utterance_id) if event.utterance_id else None
        doomed = [r for r in self._replies.values()
                  if r is heard or (r.response_id and r.response_id == self._active_response)]
        for r in doomed:
            self._cancelled.add(r.item_id)
            r.interrupted = True
            played = event.played_ms if r is heard else 0.0
            end_ms = int(min(played, self.format.samples_to_ms(r.audio_samples)))
            await self._link.send("truncate", truncate(r.item_id, end_ms))
            if r is not heard:
                r.emitted = True  # never heard: no transcript turn
                self._replies.pop(r.item_id, None)
        if self._active_response is not None:
            await self._link.send("response.cancel", lambda c: c.response.cancel())
            self._active_response = None
        if heard is not None:
            self._turns.maybe_emit(heard)
        log.info("barge-in: truncated %s at %.0f ms", event.utterance_id, event.played_ms)

    def _on_playout_started(self, event: PlayoutStarted) -> None:
        r = self._replies.get(event.utterance_id)
        if r is not None and r.first_played_at is None:
            r.first_played_at = time.time()
        self._emit(StateChanged(AgentState.SPEAKING))

    def _on_playout_finished(self, event: PlayoutFinished) -> None:
        r = self._replies.get(event.utterance_id)
        if r is not None:
            r.played = True
            self._turns.maybe_emit(r)
        if not self._playout().is_playing:
            self._emit(StateChanged(AgentState.LISTENING))
            if (self._end_requested and self._active_response is None
                    and not self._tool_tasks):
                self._end_requested = False
                self._emit(EndCallRequested("agent_ended"))  # outcome inferred from the turns

    async def aclose(self) -> None:
        """Close the HTTP client when the engine never ran (run() closes it otherwise)."""
        with contextlib.suppress(Exception):
            await self._client.close()
