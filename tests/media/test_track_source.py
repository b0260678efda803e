"""TrackSource: decoded aiortc frames become mono frames at the engine rate; silence fills gaps;
a read cut short by the gap timer or by cancellation loses no frame; the end is typed;
av_to_mono averages the channels of every s16 layout."""

from __future__ import annotations

import asyncio
import fractions
from typing import TYPE_CHECKING

import av
import numpy as np
import pytest
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError

from media.errors import BadAudioFrame, TransportClosed
from media.frames import AudioFrame
from media.transports.webrtc import TrackSource, av_to_mono

if TYPE_CHECKING:
    from av.stream import Stream

    Item = av.AudioFrame | av.Packet[Stream] | None

RATE = 48000
FRAMES = 20


class QueueTrack(MediaStreamTrack):
    """Like aiortc's remote track: `recv()` is a get on an unbounded queue; None ends it."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self.queue: asyncio.Queue[Item] = asyncio.Queue()

    async def recv(self) -> av.AudioFrame | av.Packet[Stream]:
        item = await self.queue.get()
        if item is None:
            raise MediaStreamError
        return item


def _stereo(i: int, value: int = 1000) -> av.AudioFrame:
    x = np.full(2 * 960, value, np.int16)
    frame = av.AudioFrame.from_ndarray(x.reshape(1, -1), format="s16", layout="stereo")
    frame.sample_rate = RATE
    frame.pts = i * 960
    frame.time_base = fractions.Fraction(1, RATE)
    return frame


async def _drain(source: TrackSource) -> list[AudioFrame]:
    out: list[AudioFrame] = []
    with pytest.raises(TransportClosed):
        while True:
            out.append(await source.recv())
    return out


def _send(track: QueueTrack, frames: int = FRAMES) -> None:
    for i in range(frames):
        track.queue.put_nowait(_stereo(i))
    track.queue.put_nowait(None)


async def test_frames_come_out_mono_at_the_engine_rate_with_no_samples_lost() -> None:
    track = QueueTrack()
    source = TrackSource(track, 16000, gap_s=30.0)
    _send(track)
    out = await _drain(source)
    assert source.gap_frames == 0 and source.bad_frames == 0
    stamps = [f.timestamp for f in out]
    sizes = np.cumsum([0] + [f.samples.size for f in out[:-1]])
    assert stamps == pytest.approx(list(sizes / 16000))
    tail = np.concatenate([f.samples for f in out])[-1000:]
    assert np.all(np.abs(tail.astype(np.int32) - 1000) <= 2)  # both channels mixed, level kept


async def test_silence_fills_a_gap_and_the_pending_read_loses_nothing() -> None:
    track = QueueTrack()
    source = TrackSource(track, 16000, gap_s=0.01)
    gap = await source.recv()  # nothing sent: the gap timer yields silence
    assert source.gap_frames == 1 and not gap.samples.any() and gap.samples.size == 320
    track.queue.put_nowait(_stereo(0, 2000))
    track.queue.put_nowait(_stereo(1, 2000))
    track.queue.put_nowait(_stereo(2, 2000))
    frame = await source.recv()
    assert frame.samples.any() and source.gap_frames == 1
    assert frame.timestamp == pytest.approx(0.02)  # stream time continues after the gap


async def test_cancelled_read_leaves_the_frame_for_the_next_read() -> None:
    track = QueueTrack()
    source = TrackSource(track, 16000, gap_s=30.0)
    reader = asyncio.ensure_future(source.recv())
    await asyncio.sleep(0)
    reader.cancel()  # e.g. the staff peer closing its reader
    with pytest.raises(asyncio.CancelledError):
        await reader
    _send(track)
    after_cancel = await _drain(source)
    reference = QueueTrack()
    _send(reference)
    uncancelled = await _drain(TrackSource(reference, 16000, gap_s=30.0))
    assert sum(f.samples.size for f in after_cancel) == sum(f.samples.size for f in uncancelled)
    assert source.gap_frames == 0


async def test_non_audio_frames_are_counted_and_closing_ends_reads() -> None:
    track = QueueTrack()
    source = TrackSource(track, 16000, gap_s=30.0)
    track.queue.put_nowait(av.Packet(b"\x00" * 10))
    for i in range(3):
        track.queue.put_nowait(_stereo(i))
    frame = await source.recv()
    assert frame.samples.any() and source.bad_frames == 1
    source.close()
    with pytest.raises(TransportClosed):
        await source.recv()


@pytest.mark.parametrize(("fmt", "layout"), [("s16", "stereo"), ("s16p", "stereo"),
                                             ("s16", "mono"), ("s16p", "mono"),
                                             ("s16", "5.1")])
def test_av_to_mono_averages_the_channels_of_any_s16_layout(fmt: str, layout: str) -> None:
    rng = np.random.default_rng(3)
    channels = av.AudioLayout(layout).nb_channels
    lanes = rng.integers(-32768, 32767, size=(channels, 960), dtype=np.int16)
    data = lanes if fmt == "s16p" else lanes.T.reshape(1, -1)
    frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format=fmt, layout=layout)
    frame.sample_rate = RATE
    mono, rate = av_to_mono(frame)
    expected = np.floor(lanes.astype(np.float64).sum(axis=0) / channels).astype(np.int16)
    assert rate == RATE and mono.dtype == np.int16 and mono.flags.writeable
    assert np.array_equal(mono, expected)


def test_av_to_mono_rejects_float_audio() -> None:
    frame = av.AudioFrame.from_ndarray(np.zeros((1, 960), np.float32), format="flt",
                                       layout="mono")
    with pytest.raises(BadAudioFrame):
        av_to_mono(frame)
