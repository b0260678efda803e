"""Text to speech with espeak-ng, which ships inside the `espeakng-loader` wheel (no downloads).

espeak-ng keeps global state, so one process-wide synthesizer runs on its own single thread;
callers await it from the event loop. Output is mono int16 at `sample_rate` (22,050 Hz).
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import re
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import espeakng_loader
import numpy as np

from media.frames import PCM16

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_CHARS_UTF8 = 1
_PARAM_RATE = 1
_PARAM_PITCH = 3
_SENTENCE = re.compile(r"(?<=[.!?])\s+")

_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class SynthesisError(RuntimeError):
    pass


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text.strip()) if s.strip()]


class _Espeak:
    """The espeak-ng library, used only from the synthesizer's own thread."""

    def __init__(self) -> None:
        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        data_parent = os.path.dirname(espeakng_loader.get_data_path())
        rate = self.lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, data_parent.encode(), 0
        )
        if rate <= 0:
            raise SynthesisError("espeak-ng failed to initialise")
        self.sample_rate = int(rate)
        self._chunks: list[PCM16] = []
        self._callback = _CALLBACK(self._on_audio)  # keep a reference for the C side
        self.lib.espeak_SetSynthCallback(self._callback)
        self._voice: tuple[str, int, int] | None = None

    def _on_audio(self, wav: ctypes._Pointer[ctypes.c_short], n: int, _events: int) -> int:
        if n > 0:  # copied out as bytes: np.ctypeslib.as_array caches a ctypes type per length
            self._chunks.append(np.frombuffer(ctypes.string_at(wav, 2 * n), dtype=np.int16))
        return 0

    def synth(self, text: str, voice: str, rate_wpm: int, pitch: int) -> PCM16:
        if self._voice != (voice, rate_wpm, pitch):
            if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise SynthesisError(f"espeak-ng voice {voice!r} not found")
            self.lib.espeak_SetParameter(_PARAM_RATE, rate_wpm, 0)
            self.lib.espeak_SetParameter(_PARAM_PITCH, pitch, 0)
            self._voice = (voice, rate_wpm, pitch)
        self._chunks = []
        data = text.encode("utf-8")
        err = self.lib.espeak_Synth(data, len(data) + 1, 0, 0, 0, _CHARS_UTF8, None, None)
        if err != 0:
            raise SynthesisError(f"espeak-ng synth failed with code {err}")
        if not self._chunks:
            return np.zeros(0, np.int16)
        return np.concatenate(self._chunks)


_lock = threading.Lock()
_engine: _Espeak | None = None
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="espeak")


def _engine_instance() -> _Espeak:
    global _engine
    with _lock:
        if _engine is None:
            _engine = _Espeak()
        return _engine


def synthesize_blocking(text: str, voice: str = "en", rate_wpm: int = 165, pitch: int = 50
                        ) -> tuple[PCM16, int]:
    """Synthesize on the calling thread (tools, corpus generation). Not for the event loop."""
    return _executor.submit(_synth_job, text, voice, rate_wpm, pitch).result()


def _synth_job(text: str, voice: str, rate_wpm: int, pitch: int) -> tuple[PCM16, int]:
    engine = _engine_instance()
    return engine.synth(text, voice, rate_wpm, pitch), engine.sample_rate


class EspeakTTS:
    """Async espeak-ng: `synthesize()` a whole text, or `stream()` it sentence by sentence."""

    name = "espeak-ng"

    def __init__(self, voice: str = "en", rate_wpm: int = 165, pitch: int = 50) -> None:
        self.voice = voice
        self.rate_wpm = rate_wpm
        self.pitch = pitch

    async def synthesize(self, text: str) -> tuple[PCM16, int]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            _executor, _synth_job, text, self.voice, self.rate_wpm, self.pitch
        )

    async def stream(self, text: str) -> AsyncIterator[tuple[PCM16, int]]:
        for sentence in split_sentences(text):
            yield await self.synthesize(sentence)
