"""Byte-frame adapters for 8 kHz G.711 μ-law streams (Twilio media streams send 20 ms = 160 bytes).

`MulawSource` is an `AudioSource` fed by `push(payload)`; `MulawEncoder` turns playout frames into
payloads. Malformed input raises `BadAudioFrame` here and bumps a counter, so it never reaches
the VAD. The inbound queue is bounded and drops the oldest frame when the consumer falls behind.
"""

from __future__ import annotations

import asyncio
from collections import deque

import numpy as np

from media.codecs import bytes_to_pcm16, ulaw_decode, ulaw_encode
from media.errors import BadAudioFrame, TransportClosed
from media.frames import PCM16, AudioFrame, samples_per_frame
from media.resample import StreamResampler

MULAW_RATE = 8000
MULAW_FRAME_BYTES = samples_per_frame(MULAW_RATE)  # 160: one byte per sample, 20 ms


class MulawSource:
    """Inbound μ-law payloads -> `AudioFrame`s at `sample_rate` (resampled with one stream)."""

    line_rate = MULAW_RATE

    def __init__(self, sample_rate: int = 16000, *, max_queued: int = 50,
                 payload_bytes: int = MULAW_FRAME_BYTES) -> None:
        self.sample_rate = sample_rate
        self.payload_bytes = payload_bytes
        self._resampler = StreamResampler(MULAW_RATE, sample_rate)
        self._queue: deque[AudioFrame] = deque(maxlen=max_queued)
        self._ready = asyncio.Event()
        self._closed = False
        self._samples_out = 0
        self.bad_payloads = 0
        self.frames_dropped = 0
        self.frames_in = 0

    def push(self, payload: bytes) -> None:
        """Add one payload (raw μ-law bytes; base64 is the caller's job). Never blocks.

        Raises `BadAudioFrame` (and counts it) for an empty or wrongly sized payload.
        """
        if self._closed:
            raise TransportClosed("source closed")
        if len(payload) != self.payload_bytes:
            self.bad_payloads += 1
            raise BadAudioFrame(
                f"μ-law payload of {len(payload)} bytes, expected {self.payload_bytes}"
            )
        self.frames_in += 1
        out = self._resampler.process(ulaw_decode(payload))
        if out.size == 0:
            return  # the resampler is still filling its filter
        frame = AudioFrame(out, self.sample_rate, self._samples_out / self.sample_rate)
        self._samples_out += out.size
        if len(self._queue) == self._queue.maxlen:
            self.frames_dropped += 1  # deque(maxlen) drops the oldest on append
        self._queue.append(frame)
        self._ready.set()

    async def recv(self) -> AudioFrame:
        """Next frame, oldest first; raises `TransportClosed` once closed and drained."""
        while not self._queue:
            if self._closed:
                raise TransportClosed("μ-law source closed")
            self._ready.clear()
            await self._ready.wait()
        return self._queue.popleft()

    def close(self) -> None:
        """End the stream: queued frames are dropped, waiting and later `recv()`s raise."""
        self._closed = True
        self._queue.clear()
        self._ready.set()

    @property
    def closed(self) -> bool:
        return self._closed


class MulawEncoder:
    """Outbound: playout frames (8 kHz, or any supported rate, resampled) -> 160-byte payloads."""

    def __init__(self, payload_bytes: int = MULAW_FRAME_BYTES) -> None:
        self.payload_bytes = payload_bytes
        self._resampler: StreamResampler | None = None
        self._buffer = np.zeros(0, np.int16)
        self.bad_frames = 0

    def encode(self, frame: AudioFrame) -> list[bytes]:
        """Payloads this frame completes (one per 20 ms at 8 kHz; none while resampling fills)."""
        samples = self._to_8k(frame)
        self._buffer = np.concatenate([self._buffer, samples]) if self._buffer.size else samples
        out: list[bytes] = []
        while self._buffer.size >= self.payload_bytes:
            out.append(ulaw_encode(self._buffer[: self.payload_bytes]).tobytes())
            self._buffer = self._buffer[self.payload_bytes :]
        return out

    def encode_pcm16_bytes(self, data: bytes, sample_rate: int) -> list[bytes]:
        """Same as `encode` for a little-endian PCM16 buffer; odd length raises `BadAudioFrame`."""
        try:
            samples = bytes_to_pcm16(data)
            frame = AudioFrame(samples, sample_rate)
        except BadAudioFrame:
            self.bad_frames += 1
            raise
        return self.encode(frame)

    def reset(self) -> None:
        """Drop buffered audio and filter state (after a clear / barge-in)."""
        self._buffer = np.zeros(0, np.int16)
        if self._resampler is not None:
            self._resampler.reset()

    def _to_8k(self, frame: AudioFrame) -> PCM16:
        if frame.sample_rate == MULAW_RATE:
            return frame.samples
        if self._resampler is None or self._resampler.in_rate != frame.sample_rate:
            self._resampler = StreamResampler(frame.sample_rate, MULAW_RATE)
        return self._resampler.process(frame.samples)
