"""Light simulated Twilio callers for bench/twilio_load.py: many calls, little client CPU.

The clients stand in for Twilio, which in production runs on other machines; on the bench they
share the server's two cores, so every millisecond they spend is taken from the server. The
scripted client (tests/twilio_client.py: a sleeping task per call for its media, another per
call polling its marks every 20 ms, JSON encode and decode of every message) cost ~0.45 core
at 200 calls. Here one `CallerTicker` task sends every call's 20 ms media frames (each call
keeps its own phase, from when it connected) and echoes its marks; each call has only its
socket reader, which classifies the server's messages by their fixed prefix instead of
parsing them. What goes on the wire is what the scripted client sends: the same messages,
byte for byte, at the same pace, and a mark echoed 60 ms after it arrived (at once after a
`clear`).

A call's script (as `twilio_load.one_call`): wait for the greeting, wait until it has been
quiet for 0.5 s, then per turn speak the utterance, time the first agent audio after it
(voice-to-voice), wait for the reply to finish, and finally `stop`.
"""

from __future__ import annotations

import asyncio
import binascii
import enum
import json
import time
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp

from server.twilio.protocol import Connected, Mark, Start, Stop, encode_inbound
from tests.twilio_client import (
    ACCOUNT_SID,
    SIGNATURE_HEADER,
    TwilioClient,
    new_sid,
    parse_stream_twiml,
)

FRAME_S = 0.02
FRAME_BYTES = 160
TICK_S = 0.002  # the ticker's resolution: a call's frame goes out at most this late
MARK_DELAY_S = 0.06  # as PhoneCallStream's default: "played" this long after it arrived
QUIET_S = 0.5  # the agent has finished once no audio came for this long
MEDIA_PREFIX = '{"event": "media"'
MARK_PREFIX = '{"event": "mark"'
CLEAR_PREFIX = '{"event": "clear"'
SILENCE_B64 = binascii.b2a_base64(b"\xff" * FRAME_BYTES, newline=False).decode()  # μ-law 0


class Phase(enum.Enum):
    GREETING = "greeting"  # waiting for the first agent audio
    LISTENING = "listening"  # agent audio under way; waits for QUIET_S of silence
    SPEAKING = "speaking"
    WAITING = "waiting"  # spoke; waiting for the reply's first audio
    DONE = "done"


@dataclass
class Results:
    v2v_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    stream_s: list[float] = field(default_factory=list)
    live: list[int] = field(default_factory=lambda: [0, 0])  # calls open, callers speaking


def b64_frames(ulaw: bytes) -> list[str]:
    return [binascii.b2a_base64(ulaw[i:i + FRAME_BYTES], newline=False).decode()
            for i in range(0, len(ulaw) - FRAME_BYTES + 1, FRAME_BYTES)]


@dataclass
class Caller:
    ws: aiohttp.ClientWebSocketResponse
    call_sid: str
    stream_sid: str
    speech: list[str]
    turns: int
    results: Results
    next_due: float
    opened: float
    phase: Phase = Phase.GREETING
    deadline: float = 0.0
    seq: int = 2  # connected, start
    chunk: int = 0
    to_say: deque[str] = field(default_factory=deque)
    heard: int = 0  # agent media messages received
    last_audio: float = 0.0
    first_reply_audio: float = 0.0
    spoke_at: float = 0.0
    turns_left: int = 0
    marks: deque[tuple[float, str]] = field(default_factory=deque)
    done: asyncio.Future[None] | None = None
    reader: asyncio.Task[None] | None = None

    def media_text(self, b64: str) -> str:
        """`encode_inbound(Media(...))` for these fields, without json.dumps."""
        self.seq += 1
        self.chunk += 1
        return (f'{{"event": "media", "sequenceNumber": "{self.seq}", "streamSid": '
                f'"{self.stream_sid}", "media": {{"track": "inbound", "chunk": "{self.chunk}", '
                f'"timestamp": "{self.chunk * 20}", "payload": "{b64}"}}}}')

    def mark_text(self, name: str) -> str:
        self.seq += 1
        return encode_inbound(Mark(self.stream_sid, name), self.seq)

    async def read(self) -> None:
        """The server's messages: audio arrival times, marks to echo (at once after a clear)."""
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            data: str = msg.data
            now = time.monotonic()
            if data.startswith(MEDIA_PREFIX):
                self.heard += 1
                self.last_audio = now
                if self.phase is Phase.WAITING and not self.first_reply_audio:
                    self.first_reply_audio = now
            elif data.startswith(MARK_PREFIX):
                self.marks.append((now + MARK_DELAY_S, json.loads(data)["mark"]["name"]))
            elif data.startswith(CLEAR_PREFIX):
                while self.marks:
                    await self.send(self.mark_text(self.marks.popleft()[1]))

    async def send(self, text: str) -> None:
        if not self.ws.closed:
            await self.ws.send_str(text)

    def finish(self, failure: str | None = None) -> None:
        if failure:
            self.results.failures.append(failure)
        if self.phase is Phase.SPEAKING:
            self.results.live[1] -= 1
        self.phase = Phase.DONE
        if self.done is not None and not self.done.done():
            self.done.set_result(None)

    def start_turn(self, now: float) -> None:
        self.turns_left -= 1
        self.phase = Phase.SPEAKING
        self.results.live[1] += 1
        self.to_say.extend(self.speech)

    async def step(self, now: float) -> None:
        """Due mark echoes; and once per 20 ms frame, the frame (speech or line silence) and
        the script's next move."""
        while self.marks and self.marks[0][0] <= now:
            await self.send(self.mark_text(self.marks.popleft()[1]))
        if self.next_due > now:
            return
        while self.next_due <= now and self.phase is not Phase.DONE:
            self.next_due += FRAME_S
            if self.to_say:
                await self.send(self.media_text(self.to_say.popleft()))
                if not self.to_say:  # as `speak()` returns: 20 ms after the last frame left
                    self.spoke_at = self.next_due
                    self.results.live[1] -= 1
                    self.phase = Phase.WAITING
                    self.first_reply_audio = 0.0
                    self.deadline = self.spoke_at + 10
            else:
                await self.send(self.media_text(SILENCE_B64))
        if self.ws.closed and self.phase is not Phase.DONE:
            self.finish("socket closed")
        elif self.phase is Phase.GREETING:
            if self.heard:
                self.phase, self.deadline = Phase.LISTENING, now + 15
            elif now > self.deadline:
                self.finish("no greeting")
        elif self.phase is Phase.WAITING:
            if self.first_reply_audio:
                self.results.v2v_ms.append(1000 * (self.first_reply_audio - self.spoke_at))
                self.phase, self.deadline = Phase.LISTENING, now + 10
            elif now > self.deadline:
                self.results.failures.append("no reply")
                self.phase, self.deadline = Phase.LISTENING, now + 10
        elif self.phase is Phase.LISTENING and (now - self.last_audio > QUIET_S
                                                or now > self.deadline):
            if self.turns_left:
                self.start_turn(now)
            else:
                await self.send(encode_inbound(Stop(self.stream_sid, self.call_sid),
                                               self.seq + 1))
                self.finish()


class CallerTicker:
    """Steps every live caller every `TICK_S`; one task for all of them."""

    def __init__(self) -> None:
        self.callers: list[Caller] = []
        self._task: asyncio.Task[None] | None = None

    def add(self, caller: Caller) -> None:
        self.callers.append(caller)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while self.callers:
            now = time.monotonic()
            for caller in list(self.callers):
                if caller.phase is Phase.DONE:
                    self.callers.remove(caller)
                    continue
                if caller.next_due > now and not (caller.marks and caller.marks[0][0] <= now):
                    continue
                try:
                    await caller.step(now)
                except Exception as exc:  # counted, never hidden
                    caller.finish(repr(exc))
            await asyncio.sleep(TICK_S - (time.monotonic() - now) % TICK_S)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


async def one_call(i: int, twilio: TwilioClient, ticker: CallerTicker, speech: list[str],
                   turns: int, ramp_s: float, results: Results) -> None:
    """Webhook, stream, then the ticker runs the call's script; closes the socket at the end."""
    await asyncio.sleep(ramp_s * i)
    call_sid = new_sid("CA")
    status, doc = await twilio.inbound(call_sid, f"+4477009{i:05d}")
    if status != 200:
        results.failures.append(f"inbound {status}")
        return
    target = parse_stream_twiml(doc)
    headers = {SIGNATURE_HEADER: twilio.sign(target.url)}
    ws = await twilio.http.ws_connect(
        twilio.local_url.replace("http", "ws", 1) + urlsplit(target.url).path, headers=headers)
    stream_sid = new_sid("MZ")
    await ws.send_str(encode_inbound(Connected(), 1))
    await ws.send_str(encode_inbound(Start(stream_sid, call_sid, ACCOUNT_SID,
                                           custom_parameters=target.parameters), 2))
    now = time.monotonic()
    caller = Caller(ws, call_sid, stream_sid, speech, turns, results, next_due=now,
                    opened=now, deadline=now + 10, turns_left=turns)
    caller.done = asyncio.get_running_loop().create_future()
    caller.reader = asyncio.create_task(caller.read())
    results.live[0] += 1
    try:
        ticker.add(caller)
        await caller.done
    finally:
        results.live[0] -= 1
        caller.finish()
        await ws.close()
        caller.reader.cancel()
        await asyncio.gather(caller.reader, return_exceptions=True)
        results.stream_s.append(time.monotonic() - caller.opened)
