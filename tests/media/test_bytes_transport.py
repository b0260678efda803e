"""μ-law byte transport: decoding, bounded queue, close, outbound encoding, malformed input."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import numpy as np
import pytest

from media.codecs import pcm16_to_bytes, ulaw_decode, ulaw_encode
from media.errors import BadAudioFrame, TransportClosed
from media.frames import AudioFrame
from media.source import AudioSource
from media.transports.bytes import MULAW_FRAME_BYTES, MulawEncoder, MulawSource

FIXTURES = Path(__file__).parent / "fixtures"
BAD_PAYLOADS = ["empty.ulaw", "short_159.ulaw", "long_161.ulaw", "double_320.ulaw"]


def _tone(rate: int, seconds: float, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (8000 * np.sin(2 * np.pi * freq * t)).astype(np.int16)


async def test_payloads_become_frames_at_the_requested_rate() -> None:
    src = MulawSource(sample_rate=8000)
    good = (FIXTURES / "good_440hz.ulaw").read_bytes()
    src.push(good)
    frame = await src.recv()
    assert frame.sample_rate == 8000 and frame.samples.size == 160
    np.testing.assert_array_equal(frame.samples, ulaw_decode(good))

    src16 = MulawSource(sample_rate=16000)
    codes = ulaw_encode(_tone(8000, 1.0))
    for i in range(0, codes.size, MULAW_FRAME_BYTES):
        src16.push(codes[i : i + MULAW_FRAME_BYTES].tobytes())
    frames = []
    while src16._queue:
        frames.append(await src16.recv())
    assert all(f.sample_rate == 16000 for f in frames)
    total = sum(f.samples.size for f in frames)
    assert 0.8 * 16000 <= total <= 16000
    # timestamps are contiguous stream time
    for a, b in itertools.pairwise(frames):
        assert b.timestamp == pytest.approx(a.timestamp + a.samples.size / 16000)


@pytest.mark.parametrize("name", BAD_PAYLOADS)
async def test_malformed_payloads_raise_and_are_counted(name: str) -> None:
    src = MulawSource(sample_rate=8000)
    with pytest.raises(BadAudioFrame):
        src.push((FIXTURES / name).read_bytes())
    assert src.bad_payloads == 1
    assert src.frames_in == 0 and not src._queue  # nothing reaches the consumer


def test_odd_pcm16_and_bad_rate_are_rejected_by_the_encoder() -> None:
    enc = MulawEncoder()
    with pytest.raises(BadAudioFrame):
        enc.encode_pcm16_bytes((FIXTURES / "odd_321.pcm16").read_bytes(), 8000)
    with pytest.raises(BadAudioFrame):
        enc.encode_pcm16_bytes(bytes(320), 11025)
    assert enc.bad_frames == 2
    assert len(enc.encode_pcm16_bytes(pcm16_to_bytes(_tone(8000, 0.02)), 8000)) == 1


async def test_slow_consumer_drops_the_oldest() -> None:
    src = MulawSource(sample_rate=8000, max_queued=3)
    for _ in range(10):
        src.push(bytes(MULAW_FRAME_BYTES * [0xFF]))
    assert src.frames_dropped == 7
    first = await src.recv()
    assert first.timestamp == pytest.approx(7 * 0.02)


async def test_close_wakes_a_waiting_consumer_and_is_final() -> None:
    src = MulawSource()
    as_protocol: AudioSource = src  # mypy checks MulawSource satisfies the protocol
    assert as_protocol.sample_rate == 16000
    waiter = asyncio.create_task(src.recv())
    await asyncio.sleep(0)
    src.close()
    with pytest.raises(TransportClosed):
        await asyncio.wait_for(waiter, 1.0)
    with pytest.raises(TransportClosed):
        await src.recv()
    with pytest.raises(TransportClosed):
        src.push(bytes(MULAW_FRAME_BYTES))


@pytest.mark.parametrize("rate", [8000, 16000, 24000, 48000])
def test_encoder_turns_playout_frames_into_160_byte_payloads(rate: int) -> None:
    enc = MulawEncoder()
    tone = _tone(rate, 1.0)
    step = rate // 50
    payloads: list[bytes] = []
    for i in range(0, tone.size, step):
        payloads.extend(enc.encode(AudioFrame(tone[i : i + step], rate, i / rate)))
    assert all(len(p) == MULAW_FRAME_BYTES for p in payloads)
    assert len(payloads) >= 40  # the resampler may hold back a few frames
    decoded = ulaw_decode(b"".join(payloads)).astype(np.float64)
    steady = decoded[1600:]
    rms = np.sqrt(np.mean(steady**2))
    assert rms == pytest.approx(8000 / np.sqrt(2), rel=0.05)
