"""A scripted Twilio: signs webhooks like Twilio, opens the media stream, speaks μ-law at real
time, and plays the agent's audio back the way Twilio does (echoing marks once "played",
echoing pending marks straight away after a `clear`). Used by the tests and bench/twilio_load.py.
"""

from __future__ import annotations

import asyncio
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp
import numpy as np
from twilio.request_validator import RequestValidator

from media.codecs import ulaw_decode, ulaw_encode
from media.engine import AgentState, EngineIO, Role, StateChanged, TranscriptTurn
from media.events import PlayoutCleared, PlayoutFinished, PlayoutStarted
from media.frames import PCM16
from media.resample import StreamResampler
from media.speech.tts import EspeakTTS, synthesize_blocking
from media.transports.bytes import MULAW_FRAME_BYTES, MULAW_RATE
from server.twilio.hooks import speak
from server.twilio.protocol import (
    Clear,
    Connected,
    Dtmf,
    InboundMessage,
    Mark,
    Media,
    OutboundMark,
    OutboundMedia,
    Start,
    Stop,
    encode_inbound,
    parse_outbound,
)
from tests.waiting import until_changed

SIGNATURE_HEADER = "X-Twilio-Signature"
ACCOUNT_SID = "AC" + "1" * 32
GREETING = "Thank you for calling Harbor View Hotel, how can I help you?"


def speech_ulaw(text: str, rate_wpm: int = 165) -> bytes:
    """`text` spoken by espeak-ng, as 8 kHz μ-law (whole 20 ms payloads)."""
    pcm, rate = synthesize_blocking(text, rate_wpm=rate_wpm)
    pcm8 = StreamResampler(rate, MULAW_RATE).process(pcm, last=True)
    pad = (-pcm8.size) % MULAW_FRAME_BYTES
    pcm8 = np.concatenate([pcm8, np.zeros(pad, np.int16)])
    return ulaw_encode(pcm8).tobytes()


def silence_ulaw(seconds: float) -> bytes:
    frames = round(seconds * 1000 / 20)
    return ulaw_encode(np.zeros(frames * MULAW_FRAME_BYTES, np.int16)).tobytes()


def new_sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


@dataclass
class StreamTarget:
    url: str
    parameters: dict[str, str]


def parse_stream_twiml(doc: str) -> StreamTarget:
    root = ET.fromstring(doc)
    stream = root.find("./Connect/Stream")
    if stream is None:
        raise ValueError(f"no <Connect><Stream> in {doc}")
    params = {p.get("name", ""): p.get("value", "") for p in stream.findall("Parameter")}
    return StreamTarget(stream.get("url", ""), params)


class TwilioClient:
    """Twilio's side of the webhooks. `local_url` is where the server listens; `public_url` is
    what Twilio believes it calls (and signs)."""

    def __init__(self, http: aiohttp.ClientSession, local_url: str, public_url: str,
                 auth_token: str) -> None:
        self.http = http
        self.local_url = local_url.rstrip("/")
        self.public_url = public_url.rstrip("/")
        self.validator = RequestValidator(auth_token)

    def sign(self, url: str, params: dict[str, str] | None = None) -> str:
        return str(self.validator.compute_signature(url, params or {}))

    async def post(self, path: str, form: dict[str, str], *,
                   signature: str | None = None) -> tuple[int, str]:
        sig = self.sign(self.public_url + path, form) if signature is None else signature
        headers = {SIGNATURE_HEADER: sig} if sig else {}
        async with self.http.post(self.local_url + path, data=form, headers=headers) as r:
            return r.status, await r.text()

    async def inbound(self, call_sid: str, caller: str, to: str = "+442392000001"
                      ) -> tuple[int, str]:
        return await self.post("/voice/twilio/inbound", {
            "CallSid": call_sid, "AccountSid": ACCOUNT_SID, "From": caller, "To": to,
            "CallStatus": "ringing", "Direction": "inbound"})

    async def status(self, call_sid: str, status: str, duration: int | None = None
                     ) -> tuple[int, str]:
        form = {"CallSid": call_sid, "AccountSid": ACCOUNT_SID, "CallStatus": status}
        if duration is not None:
            form["CallDuration"] = str(duration)
        return await self.post("/voice/twilio/status", form)

    async def connect(self, target: StreamTarget, call_sid: str, *,
                      signature: str | None = None, mark_delay_s: float = 0.06
                      ) -> PhoneCallStream:
        """Open the stream Twilio-style: signed wss URL, then `connected` and `start`."""
        path = urlsplit(target.url).path
        sig = self.sign(target.url) if signature is None else signature
        headers = {SIGNATURE_HEADER: sig} if sig else {}
        ws = await self.http.ws_connect(self.local_url.replace("http", "ws", 1) + path,
                                        headers=headers)
        call = PhoneCallStream(ws, call_sid, new_sid("MZ"), mark_delay_s)
        await call.send(Connected())
        await call.send(Start(call.stream_sid, call_sid, ACCOUNT_SID,
                              custom_parameters=target.parameters))
        call.start_reader()
        return call


@dataclass
class Received:
    at: float
    payload: bytes


@dataclass
class PhoneCallStream:
    """One media stream from Twilio's side."""

    ws: aiohttp.ClientWebSocketResponse
    call_sid: str
    stream_sid: str
    mark_delay_s: float = 0.06  # how long "playing" lags receiving, before a mark is echoed
    audio: list[Received] = field(default_factory=list)
    marks_received: list[str] = field(default_factory=list)
    marks_echoed: list[str] = field(default_factory=list)
    clears: list[float] = field(default_factory=list)
    close_code: int | None = None
    on_media: Callable[[float], None] | None = None
    _seq: int = 0
    _chunk: int = 0
    _pending: list[tuple[float, str]] = field(default_factory=list)
    _reader: asyncio.Task[None] | None = None
    _echoer: asyncio.Task[None] | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(self, message: InboundMessage) -> None:
        self._seq += 1
        await self.ws.send_str(encode_inbound(message, self._seq))

    async def send_raw(self, text: str) -> None:
        await self.ws.send_str(text)

    def start_reader(self) -> None:
        self._reader = asyncio.create_task(self._read())
        self._echoer = asyncio.create_task(self._echo())

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            message = parse_outbound(msg.data)
            now = time.monotonic()
            if isinstance(message, OutboundMedia):
                self.audio.append(Received(now, message.payload))
                if self.on_media is not None:
                    self.on_media(now)
            elif isinstance(message, OutboundMark):
                self.marks_received.append(message.name)
                self._pending.append((now + self.mark_delay_s, message.name))
            elif isinstance(message, Clear):
                self.clears.append(now)
                pending, self._pending = self._pending, []
                for _, name in pending:  # Twilio echoes the cleared marks at once
                    await self._echo_mark(name)
            self._changed.set()
        self.close_code = self.ws.close_code
        self._changed.set()

    async def _echo_mark(self, name: str) -> None:
        self.marks_echoed.append(name)
        if not self.ws.closed:
            await self.send(Mark(self.stream_sid, name))

    async def _echo(self) -> None:
        while not self.ws.closed:
            now = time.monotonic()
            while self._pending and self._pending[0][0] <= now:
                _, name = self._pending.pop(0)
                await self._echo_mark(name)
            await asyncio.sleep(0.02)

    async def speak(self, ulaw: bytes, *, realtime: bool = True) -> None:
        """Send μ-law audio as 20 ms `media` messages, paced at real time (bounded by size)."""
        t0 = time.monotonic()
        for i in range(0, len(ulaw) - MULAW_FRAME_BYTES + 1, MULAW_FRAME_BYTES):
            if self.ws.closed:
                return
            self._chunk += 1
            await self.send(Media(self.stream_sid, ulaw[i:i + MULAW_FRAME_BYTES],
                                  timestamp_ms=self._chunk * 20, chunk=self._chunk))
            if realtime:
                delay = t0 + (i // MULAW_FRAME_BYTES + 1) * 0.02 - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)

    async def press(self, digit: str) -> None:
        await self.send(Dtmf(self.stream_sid, digit))

    async def stop(self) -> None:
        if not self.ws.closed:
            await self.send(Stop(self.stream_sid, self.call_sid))

    async def wait_until(self, check: Callable[[], bool], within_s: float = 20.0) -> bool:
        """Wait (bounded) until `check()` holds after a message arrives."""
        return await until_changed(self._changed, check, within_s, recheck_s=0.5)

    def pcm(self, since: float = 0.0) -> PCM16:
        """The agent's audio received (after `since`), decoded to 8 kHz PCM."""
        chunks = [r.payload for r in self.audio if r.at >= since]
        if not chunks:
            return np.zeros(0, np.int16)
        return ulaw_decode(b"".join(chunks))

    async def close(self) -> None:
        if not self.ws.closed:
            await self.ws.close()
        for task in (self._reader, self._echoer):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)


def rms(pcm: PCM16) -> float:
    return float(np.sqrt(np.mean(pcm.astype(np.float64) ** 2))) if pcm.size else 0.0


class GreetingEngine:
    """A stand-in engine (the dialogue engine is tested on its own): it greets, then follows the
    playout like the offline engine, and remembers the caller id it was given."""

    name = "greeting"
    input_rate = 16000
    callers: list[str | None] = []

    async def run(self, io: EngineIO) -> None:
        self.callers.append(io.caller)
        started = time.time()
        await speak(io.playout, EspeakTTS(), GREETING)
        io.emit(TranscriptTurn(Role.AGENT, GREETING, started, time.time()))
        while True:
            item = await io.inbox.get()
            if isinstance(item, PlayoutStarted):
                io.emit(StateChanged(AgentState.SPEAKING))
            elif isinstance(item, PlayoutFinished | PlayoutCleared):
                io.emit(StateChanged(AgentState.LISTENING))


class Speakerphone:
    """A caller on a speakerphone: a line that carries a 20 ms frame every 20 ms (what the caller
    says, queued with `say`, else silence) plus the agent's voice coming back into the microphone,
    `echo_db` down and `delay_frames` late. The phone plays the agent's audio a frame per tick as
    it arrives and drops what is queued when the server sends a `clear`, as Twilio does."""

    def __init__(self, call: PhoneCallStream, echo_db: float = -12.0,
                 delay_frames: int = 2) -> None:
        self.call = call
        self.gain = 10 ** (echo_db / 20)
        self.played: list[PCM16] = [np.zeros(MULAW_FRAME_BYTES, np.int16)] * delay_frames
        self._next = 0  # the next received agent frame to play
        self._clears = 0
        self._said: list[PCM16] = []
        self._task: asyncio.Task[None] | None = None

    def say(self, ulaw: bytes) -> None:
        """Queue `ulaw` (8 kHz μ-law, e.g. `speech_ulaw`) on the line after what is queued."""
        pcm = ulaw_decode(ulaw)
        self._said.extend(pcm[i:i + MULAW_FRAME_BYTES]
                          for i in range(0, pcm.size, MULAW_FRAME_BYTES))

    @property
    def saying(self) -> bool:
        return bool(self._said)

    def start(self) -> None:
        self._task = asyncio.create_task(self._line())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def _agent_frame(self) -> PCM16:
        """What the loudspeaker plays this tick (the agent's next frame, or silence)."""
        if len(self.call.clears) > self._clears:  # cleared: what is queued is never played
            self._clears = len(self.call.clears)
            self._next = len(self.call.audio)
        if self._next < len(self.call.audio):
            self._next += 1
            return ulaw_decode(self.call.audio[self._next - 1].payload)
        return np.zeros(MULAW_FRAME_BYTES, np.int16)

    async def _line(self) -> None:
        t0 = time.monotonic()
        tick = 0
        while not self.call.ws.closed:
            self.played.append(self._agent_frame())
            echo = self.played.pop(0).astype(np.float64) * self.gain
            voice = self._said.pop(0) if self._said else np.zeros(MULAW_FRAME_BYTES, np.int16)
            frame = np.clip(np.rint(voice + echo), -32768, 32767).astype(np.int16)
            await self.call.speak(ulaw_encode(frame).tobytes(), realtime=False)
            tick += 1
            delay = t0 + tick * 0.02 - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
