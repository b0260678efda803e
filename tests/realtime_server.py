"""A scripted local server speaking the OpenAI Realtime GA websocket protocol (aiohttp).

The real SDK connects to it (`AsyncOpenAI(websocket_base_url=server.url)`). Tests queue what the
"model" does for each `response.create` (speak some audio with a transcript, call a tool), what
the guest "said" for each committed turn, and faults: refused handshakes, dropped connections,
session expiry, and raw messages (malformed, unknown, error events) to push at the client.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from aiohttp import WSMsgType, web

from media.codecs import pcm16_to_bytes, ulaw_encode

Event = dict[str, Any]
_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}_{next(_ids):06d}"


@dataclass
class Speak:
    """The model says `text` as `ms` of audio, in `chunk_ms` deltas `pace_s` apart."""

    text: str
    ms: int = 400
    chunk_ms: int = 100
    pace_s: float = 0.0


@dataclass
class CallTool:
    """The model calls a function; `arguments` is sent as-is (it may be invalid JSON)."""

    name: str
    arguments: str
    call_id: str = field(default_factory=lambda: new_id("call"))


@dataclass
class Fail:
    """The response fails (`response.done` with status "failed") with this error code."""

    code: str
    kind: str = "invalid_request_error"


Step = Speak | CallTool | Fail


@dataclass
class Connection:
    """One client websocket: what it sent, and its session's audio format."""

    ws: web.WebSocketResponse
    query: dict[str, str]
    headers: dict[str, str]
    events: list[Event] = field(default_factory=list)
    audio_type: str = "audio/pcm"
    buffered_bytes: int = 0
    responding: asyncio.Task[None] | None = None
    response_id: str | None = None

    def sent(self, kind: str) -> list[Event]:
        return [e for e in self.events if e.get("type") == kind]


class RealtimeServer:
    def __init__(self, api_key: str = "test") -> None:
        self.api_key = api_key
        self.responses: deque[list[Step]] = deque()
        self.transcripts: deque[str] = deque()
        self.connections: list[Connection] = []
        self.refuse: int = 0  # refuse this many handshakes with `refuse_status`
        self.refuse_status = 503
        self.handshakes = 0
        # Close the connection (code 1011) right after receiving an event that matches.
        self.drop_when: Callable[[Connection, Event], bool] | None = None
        # ... or on receiving it, before handling it.
        self.drop_before: Callable[[Connection, Event], bool] | None = None
        # Raw messages pushed to a connection after its session.updated (first connection only
        # unless `inject_every_time`).
        self.inject: list[str | Event] = []
        self.inject_every_time = False
        self._runner: web.AppRunner | None = None
        self.url = ""

    # -- lifetime ----------------------------------------------------------------------------
    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/v1/realtime", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"ws://127.0.0.1:{port}/v1"
        return self.url

    async def close(self) -> None:
        for conn in self.connections:
            if conn.responding is not None:
                conn.responding.cancel()
            await conn.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- queries -----------------------------------------------------------------------------
    def events(self, kind: str) -> list[Event]:
        return [e for c in self.connections for e in c.sent(kind)]

    @property
    def last(self) -> Connection:
        return self.connections[-1]

    # -- protocol ----------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.handshakes += 1
        if self.refuse > 0:
            self.refuse -= 1
            return web.Response(status=self.refuse_status, text="unavailable")
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return web.json_response({"error": {"type": "invalid_request_error",
                                                "code": "invalid_api_key"}}, status=401)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        conn = Connection(ws, dict(request.query), dict(request.headers))
        self.connections.append(conn)
        await self._send(conn, {"type": "session.created",
                                "session": {"id": new_id("sess"), "type": "realtime"}})
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            event = json.loads(msg.data)
            conn.events.append(event)
            if self.drop_before is not None and self.drop_before(conn, event):
                await ws.close(code=1011, message=b"dropped by the test")
                break
            await self._on_event(conn, event)
            if self.drop_when is not None and self.drop_when(conn, event):
                await ws.close(code=1011, message=b"dropped by the test")
                break
        if conn.responding is not None:
            conn.responding.cancel()
        return ws

    async def _send(self, conn: Connection, event: Event | str) -> None:
        if conn.ws.closed:
            return
        data = event if isinstance(event, str) else json.dumps(
            {"event_id": new_id("event"), **event})
        with contextlib.suppress(ConnectionError):
            await conn.ws.send_str(data)

    async def _on_event(self, conn: Connection, event: Event) -> None:
        kind = event.get("type")
        if kind == "session.update":
            session = event.get("session", {})
            fmt = session.get("audio", {}).get("output", {}).get("format", {})
            conn.audio_type = fmt.get("type", conn.audio_type)
            await self._send(conn, {"type": "session.updated", "session": session})
            if self.inject and (self.inject_every_time or len(self.connections) == 1):
                for raw in self.inject:
                    await self._send(conn, raw)
        elif kind == "input_audio_buffer.append":
            conn.buffered_bytes += len(base64.b64decode(event["audio"]))
        elif kind == "input_audio_buffer.clear":
            conn.buffered_bytes = 0
            await self._send(conn, {"type": "input_audio_buffer.cleared"})
        elif kind == "input_audio_buffer.commit":
            await self._commit(conn)
        elif kind == "response.create":
            default: list[Step] = [Speak("Certainly.")]
            steps = self.responses.popleft() if self.responses else default
            conn.responding = asyncio.create_task(self._respond(conn, steps))
        elif kind == "response.cancel":
            await self._cancel(conn)
        elif kind == "conversation.item.truncate":
            await self._send(conn, {"type": "conversation.item.truncated",
                                    "item_id": event["item_id"], "content_index": 0,
                                    "audio_end_ms": event["audio_end_ms"]})
        elif kind == "conversation.item.create":
            item = {"id": new_id("item"), **event.get("item", {})}
            await self._send(conn, {"type": "conversation.item.added", "item": item})

    async def _commit(self, conn: Connection) -> None:
        if conn.buffered_bytes == 0:
            await self._send(conn, {"type": "error", "error": {
                "type": "invalid_request_error", "code": "input_audio_buffer_commit_empty",
                "message": "buffer too small"}})
            return
        conn.buffered_bytes = 0
        item_id = new_id("item")
        await self._send(conn, {"type": "input_audio_buffer.committed", "item_id": item_id,
                                "previous_item_id": None})
        text = self.transcripts.popleft() if self.transcripts else "Hello?"
        await self._send(conn, {"type": "conversation.item.input_audio_transcription.completed",
                                "item_id": item_id, "content_index": 0, "transcript": text})

    async def _cancel(self, conn: Connection) -> None:
        task = conn.responding
        if task is None or task.done():
            await self._send(conn, {"type": "error", "error": {
                "type": "invalid_request_error", "code": "response_cancel_not_active",
                "message": "no active response"}})
            return
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await self._send(conn, {"type": "response.done", "response": {
            "id": conn.response_id, "status": "cancelled", "output": []}})

    def _audio(self, conn: Connection, ms: int) -> str:
        rate = 8000 if conn.audio_type == "audio/pcmu" else 24000
        t = np.arange(rate * ms // 1000) / rate
        pcm = (8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
        raw = ulaw_encode(pcm).tobytes() if rate == 8000 else pcm16_to_bytes(pcm)
        return base64.b64encode(raw).decode("ascii")

    async def _respond(self, conn: Connection, steps: list[Step]) -> None:
        rid = conn.response_id = new_id("resp")
        await self._send(conn, {"type": "response.created",
                                "response": {"id": rid, "status": "in_progress", "output": []}})
        output: list[Event] = []
        for index, step in enumerate(steps):
            item_id = new_id("item")
            if isinstance(step, Fail):
                await self._send(conn, {"type": "response.done", "response": {
                    "id": rid, "status": "failed", "output": output, "status_details": {
                        "type": "failed", "error": {"type": step.kind, "code": step.code}}}})
                conn.responding = None
                return
            where = {"response_id": rid, "item_id": item_id, "output_index": index}
            if isinstance(step, CallTool):
                item = {"id": item_id, "type": "function_call", "call_id": step.call_id,
                        "name": step.name, "arguments": step.arguments, "status": "completed"}
                await self._send(conn, {"type": "response.output_item.added", "response_id": rid,
                                        "output_index": index, "item": item})
                await self._send(conn, {"type": "response.function_call_arguments.done",
                                        **where, "call_id": step.call_id, "name": step.name,
                                        "arguments": step.arguments})
                output.append(item)
                continue
            await self._send(conn, {"type": "response.output_item.added", "response_id": rid,
                                    "output_index": index, "item": {
                                        "id": item_id, "type": "message", "role": "assistant"}})
            chunks = max(1, step.ms // step.chunk_ms)
            words = step.text.split()
            for i in range(chunks):
                await self._send(conn, {"type": "response.output_audio.delta", **where,
                                        "content_index": 0,
                                        "delta": self._audio(conn, step.chunk_ms)})
                part = words[i * len(words) // chunks:(i + 1) * len(words) // chunks]
                if part:
                    await self._send(conn, {"type": "response.output_audio_transcript.delta",
                                            **where, "content_index": 0,
                                            "delta": ("" if i == 0 else " ") + " ".join(part)})
                if step.pace_s:
                    await asyncio.sleep(step.pace_s)
            await self._send(conn, {"type": "response.output_audio.done", **where,
                                    "content_index": 0})
            await self._send(conn, {"type": "response.output_audio_transcript.done", **where,
                                    "content_index": 0, "transcript": step.text})
            output.append({"id": item_id, "type": "message", "role": "assistant",
                           "status": "completed",
                           "content": [{"type": "output_audio", "transcript": step.text}]})
        await self._send(conn, {"type": "response.done", "response": {
            "id": rid, "status": "completed", "output": output}})
        conn.responding = None

    async def expire_session(self, conn: Connection) -> None:
        """What the API does at its session length limit: an error event, then close."""
        await self._send(conn, {"type": "error", "error": {
            "type": "invalid_request_error", "code": "session_expired",
            "message": "Your session hit the maximum duration of 60 minutes."}})
        await conn.ws.close(code=1000)
