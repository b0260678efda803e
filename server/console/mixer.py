"""Listen-in audio: the guest and the agent mixed into one 48 kHz mono aiortc track.

Each side is resampled to 48 kHz into its own short buffer (at most `max_buffer_ms`, oldest
dropped, so a listener never drifts behind the call); `recv()` takes one 20 ms frame from each
on the shared `FrameClock` and sums them. Like the guest's `PlayoutTrack`, the track encodes
Opus itself (`OpusFrameEncoder`) and hands aiortc packets, so aiortc does not encode every
frame on an executor thread; an answer that does not send Opus gets plain frames instead.
"""

from __future__ import annotations

import fractions
from typing import TYPE_CHECKING

import av
import numpy as np
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError

from media.clock import FrameClock
from media.frames import PCM16, AudioFrame, samples_per_frame
from media.opus_encoder import OpusFrameEncoder
from media.resample import StreamResampler

if TYPE_CHECKING:
    from av.stream import Stream

MIX_RATE = 48000


class _Side:
    def __init__(self, max_samples: int) -> None:
        self.max_samples = max_samples
        self.buffer: PCM16 = np.zeros(0, np.int16)
        self.resampler: StreamResampler | None = None

    def add(self, frame: AudioFrame) -> None:
        samples = frame.samples
        if frame.sample_rate != MIX_RATE:
            if self.resampler is None or self.resampler.in_rate != frame.sample_rate:
                self.resampler = StreamResampler(frame.sample_rate, MIX_RATE)
            samples = self.resampler.process(samples)
        buf = np.concatenate((self.buffer, samples))
        self.buffer = buf[-self.max_samples:] if buf.size > self.max_samples else buf

    def take(self, n: int) -> PCM16:
        out = np.zeros(n, np.int16)
        k = min(n, self.buffer.size)
        out[:k] = self.buffer[:k]
        self.buffer = self.buffer[k:]
        return out


class ListenTrack(MediaStreamTrack):
    """What a listening staff member hears: both sides of the call."""

    kind = "audio"

    def __init__(self, clock: FrameClock, max_buffer_ms: int = 300) -> None:
        super().__init__()
        self.clock = clock
        self.frame_samples = samples_per_frame(MIX_RATE)
        max_samples = MIX_RATE * max_buffer_ms // 1000
        self.guest = _Side(max_samples)
        self.agent = _Side(max_samples)
        self._time_base = fractions.Fraction(1, MIX_RATE)
        self._pts = 0
        self._next_tick: int | None = None
        self.peak = 0  # loudest sample sent so far (tests)
        self.encoder = OpusFrameEncoder(MIX_RATE)
        # Set from the answer (media.transports.webrtc.answer_sends_opus): packets only when
        # aiortc sends Opus, else frames for aiortc to encode.
        self.sends_opus = True

    def add_guest(self, frame: AudioFrame) -> None:
        self.guest.add(frame)

    def add_agent(self, frame: AudioFrame) -> None:
        self.agent.add(frame)

    def mix(self) -> PCM16:
        total = (self.guest.take(self.frame_samples).astype(np.int32)
                 + self.agent.take(self.frame_samples))
        out: PCM16 = np.clip(total, -32768, 32767).astype(np.int16)
        self.peak = max(self.peak, int(np.abs(out.astype(np.int32)).max(initial=0)))
        return out

    async def recv(self) -> av.Packet[Stream] | av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        now = self.clock.current_tick()
        if self._next_tick is None or now - self._next_tick > 5:
            self._next_tick = now + 1
        await self.clock.wait_for(self._next_tick)
        self._next_tick += 1
        samples = self.mix()
        if self.sends_opus:
            return self.encoder.encode(AudioFrame(samples, MIX_RATE))
        out = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        out.sample_rate = MIX_RATE
        out.pts = self._pts
        out.time_base = self._time_base
        self._pts += samples.size
        return out
