"""A frame-locked barge-in rig: the real `CallBridge`, turn detector and `Playout`, driven one
20 ms frame at a time with no clock, so what it reports is exact and repeatable.

Before each guest frame the stand-in transport pulls one agent frame from the playout; the inbound
frame is the guest's audio plus an echo of what was pulled (delayed and attenuated, as a phone's
or a laptop's echo path would return it). Frame k of either side covers stream time
[20k, 20k + 20) ms. Tests use it for behaviour; bench/barge_in.py for stop times and false pauses.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from media.bridge import HOLD_MAX_MS, CallBridge
from media.clock import FrameClock
from media.codecs import ulaw_decode, ulaw_encode
from media.echo_cancel import CancelledEcho, EchoCanceller
from media.engine import EngineIO, Interrupted
from media.errors import TransportClosed
from media.events import PlayoutCleared, PlayoutEvent, PlayoutPaused, SpeechEnded, TurnEvent
from media.frames import PCM16, AudioFrame, samples_per_frame
from media.playout import Playout
from media.resample import StreamResampler
from media.turns import TurnDetector
from media.vad import VadConfig, make_turn_detector

RATE = 16000
FRAME = samples_per_frame(RATE)
AGENT_UTTERANCE = "agent-1"
Float = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Pulled:
    """One agent frame as the transport got it."""

    had_audio: bool
    paused: bool


@dataclass
class BargeRun:
    """What happened, frame by frame (indices are 20 ms frames from the start)."""

    pulled: list[Pulled] = field(default_factory=list)
    turn_events: list[tuple[int, TurnEvent]] = field(default_factory=list)
    playout_events: list[tuple[int, PlayoutEvent]] = field(default_factory=list)
    engine_inputs: list[object] = field(default_factory=list)
    engine_audio: list[AudioFrame] = field(default_factory=list)  # as the engine got it
    holds: int = 0
    holds_released: int = 0

    @property
    def interrupted(self) -> list[Interrupted]:
        return [e for e in self.engine_inputs if isinstance(e, Interrupted)]

    def events_of(self, kind: type) -> list[tuple[int, object]]:
        both: list[tuple[int, object]] = [*self.turn_events, *self.playout_events]
        return sorted((pair for pair in both if isinstance(pair[1], kind)), key=lambda p: p[0])

    def stop_frame(self, after: int = 0) -> int | None:
        """Index of the first pulled frame silenced by barge-in (pause or clear) at or after
        frame `after`: the frame after the one whose processing paused or cleared."""
        for index, event in self.playout_events:
            if index >= after and isinstance(event, PlayoutPaused | PlayoutCleared):
                return index + 1
        return None


class _RecordingEngine:
    """Takes whatever the bridge sends and keeps it (audio apart from the rest)."""

    name = "recorder"
    input_rate = RATE

    def __init__(self, run: BargeRun) -> None:
        self._run = run

    async def run(self, io: EngineIO) -> None:
        while True:
            item = await io.inbox.get()
            if isinstance(item, AudioFrame):
                self._run.engine_audio.append(item)
            else:
                self._run.engine_inputs.append(item)


class _RecordingDetector:
    """Wraps a turn detector and notes which frame produced each event."""

    def __init__(self, inner: TurnDetector, rig: LockstepBargeIn) -> None:
        self.inner = inner
        self.rig = rig

    def process(self, frame: AudioFrame, agent_frame: AudioFrame | None = None,
                cancelled: CancelledEcho | None = None) -> list[TurnEvent]:
        events = self.inner.process(frame, agent_frame, cancelled)
        self.rig.run.turn_events.extend((self.rig.index, e) for e in events)
        return events

    def reset(self) -> None:
        self.inner.reset()

    def end_turn_if_paused(self) -> SpeechEnded | None:
        return self.inner.end_turn_if_paused()


@dataclass(frozen=True, slots=True, eq=False)
class EchoPath:
    """An echo path less kind than a scaled copy: the agent's audio through a loudspeaker
    that saturates (tanh at `clip` x the agent's RMS; None = linear) and a room (`impulse`,
    unit energy, its first tap the direct sound)."""

    impulse: Float
    clip: float | None = None
    agent_rms: float = 32768.0 * 0.1

    @classmethod
    def room(cls, rt60_ms: float = 300.0, drr_db: float = 3.0, clip: float | None = None,
             seed: int = 5, agent_dbfs: float = -20.0) -> EchoPath:
        """A direct sound and a reverberant tail decaying 60 dB over `rt60_ms`, `drr_db` under
        the direct sound in energy."""
        n = max(2, int(rt60_ms * RATE / 1000))
        rng = np.random.default_rng(seed)
        h = rng.standard_normal(n) * np.exp(-6.9 * np.arange(n) / n)
        h[0] = 0.0
        h *= np.sqrt(10 ** (-drr_db / 10) / np.sum(h * h))
        h[0] = 1.0
        return cls(h / np.sqrt(np.sum(h * h)), clip, 32768.0 * 10 ** (agent_dbfs / 20))

    def apply(self, sent: Float, start: int, length: int) -> Float:
        """The echo of `sent` (what the line carried out) at samples [start, start + length)."""
        taps = self.impulse.size
        lo = start - taps + 1
        seg = sent[max(0, lo) : start + length]
        if lo < 0:
            seg = np.concatenate((np.zeros(-lo), seg))
        if self.clip is not None:
            limit = self.clip * self.agent_rms
            seg = np.tanh(seg / limit) * limit
        out: Float = np.convolve(seg, self.impulse, mode="valid")
        return out


class _PhoneLine:
    """16 kHz frames as a phone line carries them (8 kHz μ-law), back at 16 kHz, frame by frame
    (the resamplers' start is padded once, so each frame still has 20 ms)."""

    def __init__(self) -> None:
        self._down = StreamResampler(RATE, 8000)
        self._up = StreamResampler(8000, RATE)
        self._pending: PCM16 = np.zeros(0, np.int16)

    def carry(self, samples: PCM16) -> PCM16:
        line = ulaw_decode(ulaw_encode(self._down.process(samples)))
        self._pending = np.concatenate((self._pending, self._up.process(line)))
        if self._pending.size < FRAME:
            self._pending = np.concatenate((np.zeros(FRAME - self._pending.size, np.int16),
                                            self._pending))
        out, self._pending = self._pending[:FRAME], self._pending[FRAME:]
        return out


class LockstepBargeIn:
    """The agent speaks `agent` (queued at `agent_at_ms`) while the guest's line carries `guest`
    plus the agent's echo (`echo_db` down, `echo_delay_ms` late): `guest` float, `agent` int16,
    both 16 kHz. `detector` replaces the VAD detector (e.g. a scripted one).

    `pull_jitter` (a probability per frame) models a real server, where guest frames arrive in
    bursts and the playout pulls on its own clock: at such a frame the transport pulls two agent
    frames and at the next none, so the detector's reference (the last frame pulled) runs a
    frame ahead or behind for a while; the echo still follows what was pulled, in order.
    `echo_path` (default: a scaled, delayed copy) adds a saturating loudspeaker and a room;
    `echo_canceller` is handed to the bridge; `phone_line` carries the guest's side (voice and
    echo) as a phone line does, 8 kHz μ-law, back at 16 kHz."""

    def __init__(self, guest: Float, agent: PCM16, *, agent_at_ms: int = 0,
                 echo_db: float | None = -20.0, echo_delay_ms: int = 40, kind: str = "silero",
                 config: VadConfig | None = None, hold_max_ms: float | None = None,
                 barge_in: bool = True, detector: TurnDetector | None = None,
                 pull_jitter: float = 0.0, seed: int = 0, echo_path: EchoPath | None = None,
                 echo_canceller: EchoCanceller | None = None, phone_line: bool = False) -> None:
        self.guest = guest
        self.agent = agent
        self.agent_at = agent_at_ms // 20
        self.echo_gain = 0.0 if echo_db is None else 10 ** (echo_db / 20)
        self.echo_delay = echo_delay_ms * RATE // 1000
        self.echo_path = echo_path
        self.frames = guest.size // FRAME
        self.index = -1
        self.run = BargeRun()
        self._sent = np.zeros(self.echo_delay + (self.frames + 2) * FRAME, np.float64)
        self._pulls = 0  # agent frames pulled so far
        self._jitter = pull_jitter
        self._rng = np.random.default_rng(seed)
        self._phone = _PhoneLine() if phone_line else None
        self.playout = Playout(RATE, FrameClock())
        self.playout.add_listener(lambda e: self.run.playout_events.append((self.index, e)))
        self.detector = detector or make_turn_detector(kind, config)
        recording = _RecordingDetector(self.detector, self)
        self.bridge = CallBridge("lockstep", self, self.playout, _RecordingEngine(self.run),
                                 emit=lambda _o: None, turn_detector=recording,
                                 barge_in=barge_in,
                                 hold_max_ms=HOLD_MAX_MS if hold_max_ms is None else hold_max_ms,
                                 echo_canceller=echo_canceller)

    # -- the AudioSource the bridge reads ----------------------------------------------------
    sample_rate = RATE
    line_rate = RATE

    async def recv(self) -> AudioFrame:
        await asyncio.sleep(0)  # let the engine task take what the bridge gave it
        self.index += 1
        k = self.index
        if k >= self.frames:
            raise TransportClosed("guest audio ran out")
        if k == self.agent_at:
            self.playout.enqueue(self.agent, RATE, utterance_id=AGENT_UTTERANCE, last=True)
        # The transport's slot for frame k (one pull; or two then none, with pull jitter).
        pulls = 1
        if self._pulls > k:
            pulls = 0
        elif self._jitter and self._rng.random() < self._jitter:
            pulls = 2
        for _ in range(pulls):
            out = self.playout.pull_frame()
            start = self.echo_delay + self._pulls * FRAME
            self._sent[start : start + FRAME] = out.samples
            self._pulls += 1
        self.run.pulled.append(Pulled(self.playout.last_frame_had_audio, self.playout.paused))
        if self.echo_path is None:
            echo = self._sent[k * FRAME : (k + 1) * FRAME] * self.echo_gain
        else:
            echo = self.echo_path.apply(self._sent, k * FRAME, FRAME) * self.echo_gain
        mixed = self.guest[k * FRAME : (k + 1) * FRAME] + echo
        samples = np.clip(np.round(mixed), -32768, 32767).astype(np.int16)
        if self._phone is not None:
            samples = self._phone.carry(samples)
        return AudioFrame(samples, RATE, k * FRAME / RATE)

    def close(self) -> None:
        pass

    async def play(self) -> BargeRun:
        """Run the whole guest signal through; returns what happened."""
        await self.bridge.run()
        await asyncio.sleep(0)
        self.run.holds = self.bridge.holds
        self.run.holds_released = self.bridge.holds_released
        return self.run


def at_level(x: Float, dbfs: float) -> Float:
    """Float unit-RMS audio (as `tests.media.corpus.tts_clip` returns) scaled to `dbfs`."""
    out: Float = x * (32768.0 * 10 ** (dbfs / 20))
    return out


def agent_speech(clip: Float, seconds: float, dbfs: float = -20.0) -> PCM16:
    """The agent's answer: `clip` (unit-RMS float) at `dbfs`, repeated to `seconds`, as int16."""
    n = int(seconds * RATE)
    looped = at_level(np.tile(clip, 1 + n // clip.size)[:n], dbfs)
    out: PCM16 = np.clip(looped, -32768, 32767).astype(np.int16)
    return out


def place(length: int, clip: Float, at: int) -> Float:
    """`clip` put at sample `at` of a silent buffer of `length` samples."""
    out: Float = np.zeros(length)
    n = max(0, min(clip.size, length - at))
    out[at : at + n] = clip[:n]
    return out


def line_noise(length: int, dbfs: float = -70.0, seed: int = 1) -> Float:
    """A real line is never digital silence."""
    out: Float = np.random.default_rng(seed).standard_normal(length) * (32768.0 * 10 ** (dbfs / 20))
    return out


def echo_of(sent: PCM16, path: EchoPath | None, echo_db: float, delay: int) -> Float:
    """The echo of `sent` (the agent's audio as the line carried it out): `delay` samples late,
    through `path` (None: a scaled copy), `echo_db` down."""
    late = np.concatenate((np.zeros(delay), sent.astype(np.float64)))[: sent.size]
    shaped = late if path is None else path.apply(late, 0, sent.size)
    out: Float = shaped * 10 ** (echo_db / 20)
    return out


def frames_of(pcm: PCM16, rate: int = RATE) -> list[AudioFrame]:
    """`pcm` cut into 20 ms frames (a trailing part frame is left out)."""
    n = samples_per_frame(rate)
    return [AudioFrame(pcm[i : i + n], rate, i / rate) for i in range(0, pcm.size - n + 1, n)]


def through_canceller(canceller: EchoCanceller, mic: Float, reference: list[AudioFrame],
                      pulls: list[int] | None = None) -> Float:
    """`mic` (16 kHz) through `canceller` a frame at a time, as the bridge runs it: before guest
    frame k the playout has sent `pulls[k]` frames of `reference` (one each by default)."""
    pcm = np.clip(np.rint(mic), -32768, 32767).astype(np.int16)
    out: Float = np.zeros(pcm.size)
    sent = 0
    for k in range(pcm.size // FRAME):
        for _ in range(1 if pulls is None else pulls[k]):
            if sent < len(reference):
                canceller.reference(reference[sent])
                sent += 1
        frame = AudioFrame(pcm[k * FRAME : (k + 1) * FRAME], RATE, k * FRAME / RATE)
        out[k * FRAME : (k + 1) * FRAME] = canceller.process(frame).samples
    return out
