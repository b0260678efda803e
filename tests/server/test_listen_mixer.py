"""The listen-in track encodes Opus itself, as PlayoutTrack does: its packets decode to the mix of
both sides with contiguous 48 kHz pts; an answer without Opus first gets plain frames."""

from __future__ import annotations

import asyncio
import fractions
from typing import TYPE_CHECKING

import av
import numpy as np

from media.clock import FrameClock
from media.frames import PCM16, AudioFrame
from server.console.mixer import MIX_RATE, ListenTrack
from tests.opus_decode import decode_opus

if TYPE_CHECKING:
    from av.stream import Stream

    Packet = av.Packet[Stream]

FRAMES = 15


def _tone(rate: int, freq: float, n: int, level: float = 6000.0) -> PCM16:
    return (level * np.sin(2 * np.pi * freq * np.arange(n) / rate)).astype(np.int16)


def _feed(track: ListenTrack) -> None:
    guest = _tone(16000, 500.0, 320 * FRAMES)
    agent = _tone(24000, 1500.0, 480 * FRAMES)
    for i in range(FRAMES):
        track.add_guest(AudioFrame(guest[i * 320 : (i + 1) * 320], 16000, i * 0.02))
        track.add_agent(AudioFrame(agent[i * 480 : (i + 1) * 480], 24000, i * 0.02))


async def _pull(track: ListenTrack, n: int) -> list[Packet | av.AudioFrame]:
    return [await track.recv() for _ in range(n)]


def _decode(packets: list[Packet]) -> PCM16:
    return decode_opus(packets, MIX_RATE)


def _level_at(x: PCM16, freq: float) -> float:
    spectrum = np.abs(np.fft.rfft(x.astype(np.float64)))
    freqs = np.fft.rfftfreq(x.size, 1 / MIX_RATE)
    return float(spectrum[np.abs(freqs - freq) < 50].max() / x.size)


async def test_listen_track_sends_opus_packets_of_both_sides() -> None:
    track = ListenTrack(FrameClock(frame_ms=1), max_buffer_ms=1000)
    _feed(track)
    out = await _pull(track, FRAMES)
    assert all(isinstance(p, av.Packet) for p in out)
    packets = [p for p in out if isinstance(p, av.Packet)]
    assert [p.pts for p in packets] == [i * 960 for i in range(FRAMES)]
    assert all(p.time_base == fractions.Fraction(1, 48000) for p in packets)
    assert track.encoder.frames_encoded == FRAMES
    heard = _decode(packets)[960 * 3 :]  # past the resamplers' and the codec's start
    # Both tones come through at about their level (amplitude / 2 in a one-sided spectrum).
    assert _level_at(heard, 500.0) > 1500 and _level_at(heard, 1500.0) > 1500
    assert _level_at(heard, 3000.0) < 300


async def test_listen_track_hands_aiortc_frames_when_the_answer_is_not_opus() -> None:
    track = ListenTrack(FrameClock(frame_ms=1), max_buffer_ms=1000)
    track.sends_opus = False
    _feed(track)
    out = await _pull(track, 3)
    frames = [f for f in out if isinstance(f, av.AudioFrame)]
    assert len(frames) == 3 and [f.pts for f in frames] == [0, 960, 1920]
    assert track.encoder.frames_encoded == 0
    await asyncio.sleep(0)
