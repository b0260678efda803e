"""G.711 μ-law / A-law and little-endian PCM16 byte helpers, vectorized with numpy.

The encoders index a 65,536-entry table (one byte per int16 input) and the decoders a 256-entry
table, so a 20 ms frame costs a single numpy gather. The tables are built once at import with the
ITU-T G.711 segment arithmetic (the classic Sun `g711.c` algorithm that `audioop` also uses), so
the results are bit-exact with it; tests/media/test_codecs.py checks every input and every code.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from media.errors import BadAudioFrame
from media.frames import PCM16

Codes = npt.NDArray[np.uint8]

_ULAW_BIAS = 0x84
_ULAW_CLIP = 8159
_ULAW_SEG_END = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF], np.int32)
_ALAW_SEG_END = np.array([0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF], np.int32)


def _all_int16() -> npt.NDArray[np.int32]:
    """Every int16 value, ordered by its uint16 bit pattern (the encoder tables' index)."""
    return np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.int16).astype(np.int32)


def _build_ulaw_encode() -> Codes:
    pcm = _all_int16() >> 2  # 14-bit magnitude domain
    neg = pcm < 0
    mag = np.minimum(np.where(neg, -pcm, pcm), _ULAW_CLIP) + (_ULAW_BIAS >> 2)
    seg = np.searchsorted(_ULAW_SEG_END, mag, side="left").astype(np.int32)
    code = (np.minimum(seg, 7) << 4) | ((mag >> (np.minimum(seg, 7) + 1)) & 0xF)
    code = np.where(seg >= 8, 0x7F, code)
    mask = np.where(neg, 0x7F, 0xFF)
    return (code ^ mask).astype(np.uint8)


def _build_ulaw_decode() -> PCM16:
    u = (~np.arange(256, dtype=np.int32)) & 0xFF
    t = (((u & 0xF) << 3) + _ULAW_BIAS) << ((u & 0x70) >> 4)
    return np.where(u & 0x80, _ULAW_BIAS - t, t - _ULAW_BIAS).astype(np.int16)


def _build_alaw_encode() -> Codes:
    pcm = _all_int16() >> 3  # 13-bit magnitude domain
    neg = pcm < 0
    mag = np.where(neg, -pcm - 1, pcm)
    seg = np.searchsorted(_ALAW_SEG_END, mag, side="left").astype(np.int32)
    shift = np.where(seg < 2, 1, np.minimum(seg, 7))
    code = (np.minimum(seg, 7) << 4) | ((mag >> shift) & 0xF)
    code = np.where(seg >= 8, 0x7F, code)
    mask = np.where(neg, 0x55, 0xD5)
    return (code ^ mask).astype(np.uint8)


def _build_alaw_decode() -> PCM16:
    a = np.arange(256, dtype=np.int32) ^ 0x55
    t = (a & 0xF) << 4
    seg = (a & 0x70) >> 4
    t = np.where(seg == 0, t + 8, (t + 0x108) << np.maximum(seg - 1, 0))
    return np.where(a & 0x80, t, -t).astype(np.int16)


ULAW_ENCODE_TABLE: Codes = _build_ulaw_encode()
ULAW_DECODE_TABLE: PCM16 = _build_ulaw_decode()
ALAW_ENCODE_TABLE: Codes = _build_alaw_encode()
ALAW_DECODE_TABLE: PCM16 = _build_alaw_decode()


def _as_int16(samples: PCM16) -> PCM16:
    if not isinstance(samples, np.ndarray) or samples.dtype != np.int16:
        raise BadAudioFrame("samples must be an int16 numpy array")
    return samples


def _as_codes(data: bytes | bytearray | memoryview | Codes) -> Codes:
    if isinstance(data, np.ndarray):
        if data.dtype != np.uint8:
            raise BadAudioFrame("G.711 codes must be uint8")
        return data
    return np.frombuffer(data, dtype=np.uint8)


def ulaw_encode(samples: PCM16) -> Codes:
    """int16 PCM -> μ-law codes (one uint8 per sample)."""
    return ULAW_ENCODE_TABLE[_as_int16(samples).view(np.uint16)]


def ulaw_decode(codes: bytes | bytearray | memoryview | Codes) -> PCM16:
    """μ-law codes (bytes or uint8 array) -> int16 PCM."""
    return ULAW_DECODE_TABLE[_as_codes(codes)]


def alaw_encode(samples: PCM16) -> Codes:
    """int16 PCM -> A-law codes (one uint8 per sample, even bits already inverted)."""
    return ALAW_ENCODE_TABLE[_as_int16(samples).view(np.uint16)]


def alaw_decode(codes: bytes | bytearray | memoryview | Codes) -> PCM16:
    """A-law codes (bytes or uint8 array) -> int16 PCM."""
    return ALAW_DECODE_TABLE[_as_codes(codes)]


def pcm16_to_bytes(samples: PCM16) -> bytes:
    """int16 samples -> little-endian PCM16 bytes."""
    return _as_int16(samples).astype("<i2", copy=False).tobytes()


def bytes_to_pcm16(data: bytes | bytearray | memoryview) -> PCM16:
    """Little-endian PCM16 bytes -> a fresh, writable native int16 array; odd length is an error."""
    if len(data) % 2:
        raise BadAudioFrame(f"PCM16 buffer has odd length {len(data)}")
    return np.frombuffer(data, dtype="<i2").astype(np.int16)
