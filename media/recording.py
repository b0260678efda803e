"""Per-call stereo WAV recording: guest on the left, agent on the right, aligned by stream time.

The event loop only enqueues frames (never blocks: a full queue drops and counts the frame); one
writer thread per call resamples each side to the file rate, places it by its timestamps
(filling gaps with silence) and writes interleaved PCM16. `close()` is idempotent and safe from
any end path; `aclose()` / `async with` run it off the loop.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import queue
import threading
import wave
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import numpy as np

from media.frames import PCM16, AudioFrame
from media.resample import StreamResampler

log = logging.getLogger(__name__)

GAP_TOLERANCE_S = 0.03  # a jump in timestamps larger than this is filled with silence
MAX_SKEW_S = 5.0  # a side that falls this far behind is padded so memory stays bounded


class Side(enum.IntEnum):
    GUEST = 0  # left
    AGENT = 1  # right


@dataclass(slots=True)
class _Track:
    """One side's audio at the file rate, from `written` (already on disk) onwards."""

    resampler: StreamResampler | None = None
    chunks: list[PCM16] = field(default_factory=list)
    buffered: int = 0
    written: int = 0
    in_end_s: float | None = None  # stream time just after the last input frame

    @property
    def end(self) -> int:
        return self.written + self.buffered

    def append(self, samples: PCM16) -> None:
        if samples.size:
            self.chunks.append(samples)
            self.buffered += samples.size

    def take(self, n: int) -> PCM16:
        data = np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.int16)
        out, rest = data[:n], data[n:]
        self.chunks = [rest] if rest.size else []
        self.buffered = rest.size
        self.written += n
        return out


class CallRecorder:
    """Stereo WAV writer for one call; `write_guest`/`write_agent` are cheap and non-blocking."""

    def __init__(self, path: str | Path, sample_rate: int = 16000, *, max_queued: int = 1000
                 ) -> None:
        self.path = Path(path)
        self.sample_rate = sample_rate
        self.frames_dropped = 0
        self.frames_written = 0
        self._queue: queue.Queue[tuple[Side, AudioFrame] | None] = queue.Queue(max_queued)
        self._tracks = (_Track(), _Track())
        self._closed = False
        self._close_lock = threading.Lock()
        self._wav = wave.open(str(self.path), "wb")  # noqa: SIM115 - closed by the writer thread
        self._wav.setnchannels(2)
        self._wav.setsampwidth(2)
        self._wav.setframerate(sample_rate)
        self._thread = threading.Thread(target=self._run, name=f"recorder-{self.path.name}",
                                        daemon=True)
        self._thread.start()

    # -- producers (event loop) --------------------------------------------------------------
    def write_guest(self, frame: AudioFrame) -> None:
        self._put(Side.GUEST, frame)

    def write_agent(self, frame: AudioFrame) -> None:
        self._put(Side.AGENT, frame)

    def _put(self, side: Side, frame: AudioFrame) -> None:
        if self._closed:
            self.frames_dropped += 1
            return
        try:
            self._queue.put_nowait((side, frame))
        except queue.Full:
            self.frames_dropped += 1

    # -- lifecycle ---------------------------------------------------------------------------
    def close(self, timeout: float = 5.0) -> None:
        """Flush and close the file. Idempotent; blocks up to `timeout` for the writer thread."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            log.error("recorder %s: writer stuck, file may be truncated", self.path)
        self._thread.join(timeout)

    async def aclose(self) -> None:
        await asyncio.to_thread(self.close)

    @property
    def closed(self) -> bool:
        return self._closed

    async def __aenter__(self) -> CallRecorder:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    # -- writer thread -----------------------------------------------------------------------
    def _run(self) -> None:
        try:
            while True:
                item = self._queue.get()
                if item is None:
                    break
                self._place(*item)
                self._flush(final=False)
            self._flush(final=True)
        except Exception:
            log.exception("recorder %s failed", self.path)
        finally:
            self._wav.close()

    def _place(self, side: Side, frame: AudioFrame) -> None:
        track = self._tracks[side]
        if track.resampler is None or track.resampler.in_rate != frame.sample_rate:
            track.resampler = StreamResampler(frame.sample_rate, self.sample_rate)
        target = round(frame.timestamp * self.sample_rate)
        if track.in_end_s is None:
            track.append(np.zeros(max(0, target - track.end), np.int16))
        elif frame.timestamp - track.in_end_s > GAP_TOLERANCE_S:
            gap = round((frame.timestamp - track.in_end_s) * self.sample_rate)
            track.append(np.zeros(gap, np.int16))
        track.in_end_s = frame.timestamp + frame.samples.size / frame.sample_rate
        track.append(track.resampler.process(frame.samples))
        self.frames_written += 1

    def _flush(self, final: bool) -> None:
        left, right = self._tracks
        if final:
            for track in self._tracks:
                if track.resampler is not None:
                    track.append(track.resampler.process(np.zeros(0, np.int16), last=True))
        skew = int(MAX_SKEW_S * self.sample_rate)
        for a, b in ((left, right), (right, left)):
            if final or a.end - b.end > skew:
                b.append(np.zeros(max(0, a.end - b.end - (0 if final else skew)), np.int16))
        n = min(left.end, right.end) - left.written
        if n <= 0:
            return
        stereo = np.empty((n, 2), np.int16)
        stereo[:, 0] = left.take(n)
        stereo[:, 1] = right.take(n)
        self._wav.writeframes(stereo.astype("<i2", copy=False).tobytes())
