"""Stereo call recording: both sides land on their channel, aligned by stream time."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from media.frames import AudioFrame
from media.recording import CallRecorder


def _frames_with_click(rate: int, seconds: float, click_s: float, start_s: float = 0.0
                       ) -> list[AudioFrame]:
    x = np.zeros(int(rate * seconds), np.int16)
    x[int(rate * (click_s - start_s))] = 20000
    step = rate // 50
    return [AudioFrame(x[i : i + step], rate, start_s + i / rate) for i in range(0, x.size, step)]


def _read(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as wav:
        assert wav.getnchannels() == 2 and wav.getsampwidth() == 2
        data = np.frombuffer(wav.readframes(wav.getnframes()), "<i2").reshape(-1, 2)
        return data, wav.getframerate()


def _peak_s(channel: np.ndarray, rate: int) -> float:
    return int(np.argmax(np.abs(channel.astype(np.int32)))) / rate


async def test_channels_are_time_aligned(tmp_path: Path) -> None:
    path = tmp_path / "call.wav"
    guest = _frames_with_click(16000, 2.0, click_s=1.0)
    # The agent runs at 48 kHz, starts 0.3 s into the call and has a 100 ms hole (dropped frames).
    agent = _frames_with_click(48000, 1.7, click_s=1.5, start_s=0.3)
    agent = [f for f in agent if not 0.6 <= f.timestamp < 0.7]
    async with CallRecorder(path, 16000) as rec:
        for g, a in zip(guest, agent, strict=False):
            rec.write_guest(g)
            rec.write_agent(a)
        for g in guest[len(agent):]:
            rec.write_guest(g)
    assert rec.closed and rec.frames_dropped == 0
    data, rate = _read(path)
    assert rate == 16000
    assert abs(data.shape[0] / rate - 2.0) < 0.05
    assert abs(_peak_s(data[:, 0], rate) - 1.0) <= 0.001
    assert abs(_peak_s(data[:, 1], rate) - 1.5) <= 0.001
    assert not np.any(data[: int(0.29 * rate), 1])  # agent silent before it started


def test_close_is_idempotent_and_late_writes_are_counted(tmp_path: Path) -> None:
    rec = CallRecorder(tmp_path / "c.wav")
    rec.write_guest(AudioFrame(np.ones(320, np.int16), 16000, 0.0))
    rec.close()
    rec.close()
    rec.write_agent(AudioFrame(np.ones(320, np.int16), 16000, 0.02))
    assert rec.frames_dropped == 1
    data, _ = _read(tmp_path / "c.wav")
    assert data.shape == (320, 2)
    assert np.all(data[:, 0] == 1) and np.all(data[:, 1] == 0)
