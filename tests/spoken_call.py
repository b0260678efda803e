"""An in-process phone-like call for spoken tests and benches: scripted guest speech goes
through the real bridge (VAD turns, barge-in), the real offline engine (recognizer workers,
dialogue, hotel tools, TTS) and a playout drained by a stand-in transport.

`pace` is the speed-up over real time (1.0 = real time, as a bench wants; tests run faster);
`playout_pace` that of the agent's voice (default `pace`): nothing listens to it but the clock,
so tests drain it faster still.

The scripted guest answers like a caller on a line: `RESPONSE_GAP_S` of room noise after the
agent's last word, counted in the guest's own stream time (queued frames), so a loaded machine
cannot shrink it. Answering in the very frame the agent stops, as it once did, put the onset of
a short answer ("yes") under the echo gate's hold of the agent's voice (media/vad/echo.py),
where no caller's voice can arrive (issue #6).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from media.bridge import CallBridge
from media.clock import FrameClock
from media.echo_cancel import CancelledEcho
from media.engine import EndCallRequested, EngineOutput, Role, TranscriptTurn
from media.errors import TransportClosed
from media.events import PlayoutEvent, PlayoutStarted, SpeechEnded, TurnEvent
from media.frames import PCM16, AudioFrame, samples_per_frame
from media.playout import Playout
from media.resample import StreamResampler
from media.speech.tts import EspeakTTS, synthesize_blocking
from media.turns import TurnDetector
from media.vad import make_turn_detector
from server.engines.offline import DialogueFactory, OfflineEngine
from server.engines.resources import Recognizers
from tests.fresh_speech import made_fresh

RATE = 16000
FRAME = samples_per_frame(RATE)
# How long the scripted guest waits after the agent's last word before answering (stream time).
# People leave ~200 ms between turns, and a line adds its round trip; 0 answers in the frame the
# agent stops, which no caller can.
RESPONSE_GAP_S = 0.3


Line = tuple[str, str, int]  # what the guest says: text, espeak-ng voice, words per minute


def speech(text: str, voice: str = "en-us", rate_wpm: int = 165) -> PCM16:
    """`text` spoken by espeak-ng, at 16 kHz."""
    pcm, sr = synthesize_blocking(text, voice=voice, rate_wpm=rate_wpm)
    return StreamResampler(sr, RATE).process(pcm, last=True)


def _speech_of(line: Line) -> PCM16:
    return speech(*line)


def speech_said_fresh(lines: Sequence[Line]) -> dict[Line, PCM16]:
    """`speech()` of each line, the same on every run (`tests.fresh_speech`)."""
    return dict(zip(lines, made_fresh(_speech_of, lines), strict=True))


class ScriptedSource:
    """The guest's microphone: queued speech, else quiet room noise, paced at `pace`× real
    time (the bridge's `recv()` loop is driven by this)."""

    sample_rate = RATE

    def __init__(self, pace: float, noise_dbfs: float = -70.0, seed: int = 7,
                 line_rate: int = RATE) -> None:
        self.pace = pace
        self.line_rate = line_rate  # what the guest's line is said to carry (8000: a phone)
        self._queue: deque[PCM16] = deque()
        self._seed = seed
        self._rng = np.random.default_rng(seed)
        self._noise = 32768 * 10 ** (noise_dbfs / 20)
        self._t = 0
        self._next = 0.0
        self.closed = False
        self.speech_frames_left = 0
        self.speech_ended_at: float | None = None  # wall time the last queued speech ran out
        # Awaited before each frame when set: holds the guest's stream while the engine acts
        # on what it heard (`OfflineEngine.settled`).
        self.settle: Callable[[], Awaitable[None]] | None = None

    def close(self) -> None:
        self.closed = True

    def _noise_frame(self) -> PCM16:
        return (self._rng.standard_normal(FRAME) * self._noise).astype(np.int16)

    def say(self, pcm: PCM16, after_s: float = 0.0) -> None:
        """Queue `pcm`, after `after_s` of room noise (stream time, whatever the load). The
        noise starts from the same seed for every line, so the pre-roll the recognizer gets
        with a line does not depend on how long the agent took before it."""
        self._rng = np.random.default_rng(self._seed)
        self._queue.extend(self._noise_frame() for _ in range(round(after_s * RATE / FRAME)))
        pad = (-pcm.size) % FRAME
        audio = np.concatenate([pcm, np.zeros(pad, np.int16)])
        for i in range(0, audio.size, FRAME):
            self._queue.append(audio[i:i + FRAME])
        self.speech_frames_left = len(self._queue)
        self.speech_ended_at = None

    async def recv(self) -> AudioFrame:
        if self.closed:
            raise TransportClosed("scripted guest hung up")
        if self.settle is not None:
            await self.settle()
        loop = asyncio.get_running_loop()
        now = loop.time()
        self._next = max(self._next, now - 0.1) + 0.020 / self.pace
        if self._next > now:
            await asyncio.sleep(self._next - now)
        if self._queue:
            samples = self._queue.popleft()
            self.speech_frames_left = len(self._queue)
            if not self._queue:
                self.speech_ended_at = time.time()
        else:
            samples = self._noise_frame()
        frame = AudioFrame(samples, RATE, self._t / RATE)
        self._t += FRAME
        return frame


class TappedDetector:
    """A turn detector whose events are also written to the call log (for diagnostics)."""

    def __init__(self, inner: TurnDetector, record: Callable[[object], None]) -> None:
        self.inner = inner
        self.record = record

    def process(self, frame: AudioFrame, agent_frame: AudioFrame | None = None,
                cancelled: CancelledEcho | None = None) -> list[TurnEvent]:
        events = self.inner.process(frame, agent_frame, cancelled)
        for event in events:
            self.record(event)
        return events

    def reset(self) -> None:
        self.inner.reset()

    def end_turn_if_paused(self) -> SpeechEnded | None:
        event = self.inner.end_turn_if_paused()
        if event is not None:
            self.record(event)
        return event


def describe(event: object) -> str:
    """One short line for a logged event (no audio arrays)."""
    if isinstance(event, TranscriptTurn):
        return f"{event.role.value} turn {event.text[:60]!r}"
    if isinstance(event, SpeechEnded):
        return f"SpeechEnded({event.started_at:.2f}-{event.ended_at:.2f})"
    return repr(event)[:80]


@dataclass
class CallLog:
    """What the harness saw: transcript turns, turn/playout events with wall times."""

    turns: list[TranscriptTurn] = field(default_factory=list)
    events: list[tuple[float, object]] = field(default_factory=list)
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    end_reason: str | None = None

    def agent_turns(self) -> list[TranscriptTurn]:
        return [t for t in self.turns if t.role is Role.AGENT]

    def guest_turns(self) -> list[TranscriptTurn]:
        return [t for t in self.turns if t.role is Role.GUEST]

    def timeline(self, last: int = 25) -> str:
        """The last events, with wall times relative to the first one."""
        if not self.events:
            return "(no events)"
        t0 = self.events[0][0]
        return "\n".join(f"  {t - t0:7.2f} {describe(e)}" for t, e in self.events[-last:])


class SpokenCall:
    """One call: `await say(text)` speaks a guest turn and waits for the agent's reply."""

    def __init__(self, stt: Recognizers, dialogue: DialogueFactory, *, pace: float = 4.0,
                 call_id: str = "spoken", caller: str | None = None, vad: str = "silero",
                 realtime_playout: bool = False, playout_pace: float | None = None,
                 said: Mapping[Line, PCM16] | None = None, settle: bool = False,
                 line_rate: int = RATE) -> None:
        self.pace = pace
        self.said = said or {}  # lines' audio made beforehand (`speech_said_fresh`)
        self.playout_pace = playout_pace or pace
        self.realtime_playout = realtime_playout
        self.log = CallLog()
        self.source = ScriptedSource(pace, line_rate=line_rate)
        self.clock = FrameClock()
        self.playout = Playout(RATE, self.clock)
        self.engine = OfflineEngine(stt=stt, tts=EspeakTTS(), dialogue_factory=dialogue,
                                    silence_check_s=8.0 / pace)
        detector = TappedDetector(make_turn_detector(vad), self._on_detector)
        self.bridge = CallBridge(call_id, self.source, self.playout, self.engine,
                                 emit=self._on_output, turn_detector=detector, caller=caller,
                                 max_engine_audio_frames=round(50 * pace))  # 1 s of wall time
        if settle:  # turn edges as on an idle machine, whatever the load (the spoken suite)
            self.source.settle = functools.partial(self.engine.settled, call_id)
        self.playout.add_listener(self._on_playout)
        self._tasks: list[asyncio.Task[None]] = []
        self._changed = asyncio.Event()

    def _on_output(self, output: EngineOutput) -> None:
        if isinstance(output, TranscriptTurn):
            self.log.turns.append(output)
        elif isinstance(output, EndCallRequested):
            self.log.end_reason = output.reason
            self.log.ended.set()
        self.log.events.append((time.time(), output))
        self._changed.set()

    def _on_detector(self, event: object) -> None:
        self.log.events.append((time.time(), event))
        self._changed.set()

    def _on_playout(self, event: PlayoutEvent) -> None:
        self.log.events.append((time.time(), event))
        self._changed.set()

    async def _drain(self) -> None:
        """The transport: pulls agent frames (paced by the clock for a real-time bench). Like a
        real transport it keeps pulling (silence) while the agent is quiet, so the bridge's
        view of the agent (`playout.last_frame`, the echo gate's reference) is silence once
        the agent stops, not its last frame of speech."""
        while True:
            if self.realtime_playout:
                await self.playout.next_frame()
            elif self.playout.is_playing:
                batch = max(1, int(self.playout_pace / 4))  # frames per wake-up
                for _ in range(batch):
                    self.playout.pull_frame()
                await asyncio.sleep(0.020 * batch / self.playout_pace)
            else:
                self.playout.pull_frame()
                await asyncio.sleep(0.005)

    async def __aenter__(self) -> SpokenCall:
        self._tasks = [asyncio.create_task(self.bridge.run()), asyncio.create_task(self._drain())]
        await self.wait_idle()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self.source.closed = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, TransportClosed):
                await task

    async def _wait(self, predicate: Callable[[], bool], within: float) -> None:
        deadline = asyncio.get_running_loop().time() + within
        while not predicate():
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise AssertionError(
                    "spoken call: timed out waiting for the agent (guest audio left: "
                    f"{self.source.speech_frames_left} frames, agent playing: "
                    f"{self.playout.is_playing})\n{self.log.timeline()}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(left, 0.1))

    async def wait_idle(self, within: float = 60.0) -> None:
        """Until the agent has nothing queued or being prepared (its reply fully played)."""
        def idle() -> bool:
            agent = self.log.agent_turns()
            guest = self.log.guest_turns()
            answered = bool(agent) and (not guest or agent[-1].ended_at >= guest[-1].ended_at)
            return (answered or self.log.ended.is_set()) and not self.playout.is_playing
        await self._wait(idle, within)

    async def say(self, text: str, *, voice: str = "en-us", rate_wpm: int = 165,
                  within: float = 60.0, gap_s: float = RESPONSE_GAP_S
                  ) -> TranscriptTurn | None:
        """Speak a guest turn `gap_s` (stream time) from now, i.e. after the agent's last word
        when called once the agent is idle; return the agent's reply turn (None if the call
        ended)."""
        before = len(self.log.agent_turns())
        heard_before = len(self.log.guest_turns())
        audio = self.said.get((text, voice, rate_wpm))
        self.source.say(speech(text, voice, rate_wpm) if audio is None else audio, after_s=gap_s)
        await self._wait(lambda: len(self.log.guest_turns()) > heard_before
                         or self.log.ended.is_set(), within)
        await self._wait(lambda: len(self.log.agent_turns()) > before
                         or self.log.ended.is_set(), within)
        await self.wait_idle(within)
        agents = self.log.agent_turns()
        return agents[-1] if len(agents) > before else None

    async def stay_silent(self, seconds: float, *, within: float = 60.0
                          ) -> TranscriptTurn | None:
        """Real seconds of the guest saying nothing (scaled by `pace`), then the agent's
        reaction to the silence (its next turn, None if the call ended)."""
        before = len(self.log.agent_turns())
        await asyncio.sleep(seconds / self.pace)
        await self._wait(lambda: len(self.log.agent_turns()) > before
                         or self.log.ended.is_set(), within)
        await self.wait_idle(within)
        agents = self.log.agent_turns()
        return agents[-1] if len(agents) > before else None

    def first_audio_after(self, wall: float) -> float | None:
        for t, e in self.log.events:
            if t >= wall and isinstance(e, PlayoutStarted):
                return t
        return None
