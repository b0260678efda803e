"""G.711 codecs against a bit-by-bit port of the reference g711.c and against stdlib audioop."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from media.codecs import (
    alaw_decode,
    alaw_encode,
    bytes_to_pcm16,
    pcm16_to_bytes,
    ulaw_decode,
    ulaw_encode,
)
from media.errors import BadAudioFrame

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

# --- reference g711.c (Sun Microsystems, public domain), ported line by line ------------------
SEG_AEND = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF]
SEG_UEND = [0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF]
BIAS = 0x84
CLIP = 8159


def _search(val: int, table: list[int]) -> int:
    for i, end in enumerate(table):
        if val <= end:
            return i
    return len(table)


def ref_linear2alaw(pcm_val: int) -> int:
    pcm_val = pcm_val >> 3
    if pcm_val >= 0:
        mask = 0xD5
    else:
        mask = 0x55
        pcm_val = -pcm_val - 1
    seg = _search(pcm_val, SEG_AEND)
    if seg >= 8:
        return (0x7F ^ mask) & 0xFF
    aval = seg << 4
    aval |= (pcm_val >> 1) & 0xF if seg < 2 else (pcm_val >> seg) & 0xF
    return (aval ^ mask) & 0xFF


def ref_alaw2linear(a_val: int) -> int:
    a_val ^= 0x55
    t = (a_val & 0xF) << 4
    seg = (a_val & 0x70) >> 4
    if seg == 0:
        t += 8
    elif seg == 1:
        t += 0x108
    else:
        t += 0x108
        t <<= seg - 1
    return t if a_val & 0x80 else -t


def ref_linear2ulaw(pcm_val: int) -> int:
    pcm_val = pcm_val >> 2
    if pcm_val < 0:
        pcm_val = -pcm_val
        mask = 0x7F
    else:
        mask = 0xFF
    if pcm_val > CLIP:
        pcm_val = CLIP
    pcm_val += BIAS >> 2
    seg = _search(pcm_val, SEG_UEND)
    if seg >= 8:
        return (0x7F ^ mask) & 0xFF
    uval = (seg << 4) | ((pcm_val >> (seg + 1)) & 0xF)
    return (uval ^ mask) & 0xFF


def ref_ulaw2linear(u_val: int) -> int:
    u_val = ~u_val & 0xFF
    t = ((u_val & 0xF) << 3) + BIAS
    t <<= (u_val & 0x70) >> 4
    return BIAS - t if u_val & 0x80 else t - BIAS


ALL_PCM = np.arange(-32768, 32768, dtype=np.int32).astype(np.int16)
ALL_CODES = np.arange(256, dtype=np.uint8)


def test_ulaw_encode_matches_reference_for_every_int16() -> None:
    expected = np.array([ref_linear2ulaw(int(v)) for v in ALL_PCM], np.uint8)
    np.testing.assert_array_equal(ulaw_encode(ALL_PCM), expected)


def test_alaw_encode_matches_reference_for_every_int16() -> None:
    expected = np.array([ref_linear2alaw(int(v)) for v in ALL_PCM], np.uint8)
    np.testing.assert_array_equal(alaw_encode(ALL_PCM), expected)


def test_decoders_match_reference_for_every_code() -> None:
    np.testing.assert_array_equal(
        ulaw_decode(ALL_CODES), np.array([ref_ulaw2linear(c) for c in range(256)], np.int16)
    )
    np.testing.assert_array_equal(
        alaw_decode(ALL_CODES), np.array([ref_alaw2linear(c) for c in range(256)], np.int16)
    )


def test_matches_audioop() -> None:
    pcm_bytes = pcm16_to_bytes(ALL_PCM)
    assert ulaw_encode(ALL_PCM).tobytes() == audioop.lin2ulaw(pcm_bytes, 2)
    assert alaw_encode(ALL_PCM).tobytes() == audioop.lin2alaw(pcm_bytes, 2)
    code_bytes = ALL_CODES.tobytes()
    assert pcm16_to_bytes(ulaw_decode(code_bytes)) == audioop.ulaw2lin(code_bytes, 2)
    assert pcm16_to_bytes(alaw_decode(code_bytes)) == audioop.alaw2lin(code_bytes, 2)


def test_decode_encode_round_trip_is_identity_on_codes() -> None:
    # Every code except μ-law's negative zero (0x7F decodes to 0, which encodes as 0xFF).
    ucodes = np.array([c for c in range(256) if c != 0x7F], np.uint8)
    np.testing.assert_array_equal(ulaw_encode(ulaw_decode(ucodes)), ucodes)
    np.testing.assert_array_equal(alaw_encode(alaw_decode(ALL_CODES)), ALL_CODES)


def test_pcm16_bytes_little_endian() -> None:
    samples = np.array([1, -2, 0x1234], np.int16)
    data = pcm16_to_bytes(samples)
    assert data == b"\x01\x00\xfe\xff\x34\x12"
    out = bytes_to_pcm16(data)
    np.testing.assert_array_equal(out, samples)
    assert out.flags.writeable


def test_bad_inputs() -> None:
    with pytest.raises(BadAudioFrame):
        bytes_to_pcm16(b"\x00\x01\x02")
    with pytest.raises(BadAudioFrame):
        ulaw_encode(np.zeros(4, np.float32))
