"""A gentle hold-music loop, synthesised (no media files): soft chords over a slow progression.

Each chord fades in and out on a raised-cosine envelope that ends at silence, so the loop repeats
without a click. Output is mono int16 PCM.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

# I - vi - IV - V in C major, voiced around middle C (MIDI note numbers), with a bass note.
PROGRESSION: tuple[tuple[int, ...], ...] = (
    (48, 60, 64, 67),
    (45, 57, 60, 64),
    (41, 57, 60, 65),
    (43, 55, 59, 62),
)


@dataclass(frozen=True)
class HoldMusic:
    """Mono int16 PCM that loops seamlessly."""

    pcm: npt.NDArray[np.int16]
    sample_rate: int

    @property
    def duration_s(self) -> float:
        return len(self.pcm) / self.sample_rate

    def to_bytes(self) -> bytes:
        return self.pcm.astype("<i2").tobytes()


def _midi_hz(note: int) -> float:
    return float(440.0 * 2.0 ** ((note - 69) / 12.0))


@lru_cache(maxsize=4)
def hold_music(sample_rate: int = 24000, chord_s: float = 3.0, level: float = 0.25) -> HoldMusic:
    """The loop (cached per parameters). ~12 s at the defaults; takes a few ms to build."""
    n = int(sample_rate * chord_s)
    t = np.arange(n, dtype=np.float64) / sample_rate
    envelope = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)  # 0 at both ends
    chords = []
    for chord in PROGRESSION:
        wave = np.zeros(n)
        for i, note in enumerate(chord):
            f = _midi_hz(note)
            gain = 0.5 if i == 0 else 0.3
            # a touch of the second harmonic and a slow tremolo make it less like a test tone
            tremolo = 1.0 + 0.08 * np.sin(2 * np.pi * (0.7 + 0.1 * i) * t)
            wave += gain * tremolo * (np.sin(2 * np.pi * f * t)
                                      + 0.15 * np.sin(2 * np.pi * 2 * f * t))
        chords.append(wave * envelope)
    signal = np.concatenate(chords)
    signal *= level / max(float(np.max(np.abs(signal))), 1e-9)
    pcm = np.round(signal * 32767.0).astype(np.int16)
    pcm.setflags(write=False)
    return HoldMusic(pcm=pcm, sample_rate=sample_rate)
