"""libopus's encoder called directly (ctypes), for `OpusFrameEncoder` without PyAV's overhead.

PyAV's encode path (an `av.AudioFrame` per frame, FFmpeg's send/receive and its libopus
wrapper) adds ~20 µs per 20 ms frame to libopus itself: as much as CELT's whole encode at our
settings (docs/media-measurements.md). This calls `opus_encode` on the samples in place,
configured exactly as FFmpeg's libopus wrapper configures it (VBR, unconstrained; the cutoff
as a maximum bandwidth), so the packets are the same bytes PyAV would give.

The library: the copy PyAV's wheel ships (the libopus PyAV itself encodes with), else the
system's (Debian's libopus0). Linux only: `opus_encoder_ctl` is variadic, and ctypes passes
its int argument as a fixed one, which is the same thing on Linux's x86-64 and arm64 calling
conventions but not on Apple's arm64. `load()` returns None when no library loads, and
`OpusFrameEncoder` then encodes through PyAV.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import logging
import os
import sys
import weakref
from functools import cache

import av
import numpy as np

from media.frames import PCM16

log = logging.getLogger(__name__)

OPUS_OK = 0
APPLICATIONS = {"voip": 2048, "audio": 2049, "lowdelay": 2051}
# FFmpeg's `cutoff` option -> OPUS_SET_MAX_BANDWIDTH (narrow, medium, wide, super-wide, full).
BANDWIDTHS = {4000: 1101, 6000: 1102, 8000: 1103, 12000: 1104, 20000: 1105}
_SET_BITRATE = 4002
_SET_MAX_BANDWIDTH = 4004
_SET_VBR = 4006
_SET_COMPLEXITY = 4010
_SET_PACKET_LOSS_PERC = 4014
_SET_VBR_CONSTRAINT = 4020
MAX_PACKET = 1500  # bytes: more than a 20 ms mono packet can take at any bitrate we use


def _candidates() -> list[str]:
    wheel_libs = os.path.join(os.path.dirname(os.path.dirname(av.__file__)), "av.libs")
    found = sorted(glob.glob(os.path.join(wheel_libs, "libopus*.so*")))
    system = ctypes.util.find_library("opus")
    return found + ([system] if system else [])


@cache
def load() -> ctypes.CDLL | None:
    """The libopus to encode with, its functions typed; None if none loads (or not Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    for path in _candidates():
        try:
            lib = ctypes.CDLL(path)
            lib.opus_encoder_create.restype = ctypes.c_void_p
            lib.opus_encoder_create.argtypes = [ctypes.c_int32, ctypes.c_int, ctypes.c_int,
                                                ctypes.POINTER(ctypes.c_int)]
            lib.opus_encoder_ctl.restype = ctypes.c_int
            lib.opus_encoder_ctl.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int32]
            lib.opus_encode.restype = ctypes.c_int32
            lib.opus_encode.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int,
                                        ctypes.c_void_p, ctypes.c_int32]
            lib.opus_encoder_destroy.restype = None
            lib.opus_encoder_destroy.argtypes = [ctypes.c_void_p]
        except (OSError, AttributeError) as exc:
            log.debug("libopus at %s not usable: %s", path, exc)
            continue
        return lib
    return None


class LibopusEncoder:
    """One mono libopus encoder; `encode()` takes exactly one 20 ms frame of int16 samples."""

    def __init__(self, lib: ctypes.CDLL, sample_rate: int, *, bitrate: int, complexity: int,
                 cutoff_hz: int, application: str) -> None:
        if application not in APPLICATIONS or cutoff_hz not in BANDWIDTHS:
            raise ValueError(f"unsupported Opus settings: {application!r}, {cutoff_hz} Hz")
        self._lib = lib
        self.frame_samples = sample_rate // 50
        err = ctypes.c_int(0)
        handle = lib.opus_encoder_create(sample_rate, 1, APPLICATIONS[application],
                                         ctypes.byref(err))
        if err.value != OPUS_OK or not handle:
            raise RuntimeError(f"opus_encoder_create failed ({err.value})")
        self._handle = ctypes.c_void_p(handle)
        weakref.finalize(self, lib.opus_encoder_destroy, self._handle)
        # What FFmpeg's libopusenc sets (its defaults: vbr=on, packet_loss=0), in its order.
        for request, value in ((_SET_BITRATE, bitrate), (_SET_COMPLEXITY, complexity),
                               (_SET_VBR, 1), (_SET_VBR_CONSTRAINT, 0),
                               (_SET_PACKET_LOSS_PERC, 0),
                               (_SET_MAX_BANDWIDTH, BANDWIDTHS[cutoff_hz])):
            ret = lib.opus_encoder_ctl(self._handle, request, value)
            if ret != OPUS_OK:
                raise RuntimeError(f"opus_encoder_ctl({request}, {value}) failed ({ret})")
        self._out = ctypes.create_string_buffer(MAX_PACKET)

    def encode(self, samples: PCM16) -> bytes:
        if samples.dtype != np.int16 or samples.size != self.frame_samples:
            raise ValueError("expected one 20 ms frame of int16 samples")
        pcm = np.ascontiguousarray(samples)
        n = self._lib.opus_encode(self._handle, pcm.ctypes.data, self.frame_samples, self._out,
                                  MAX_PACKET)
        if n < 0:
            raise RuntimeError(f"opus_encode failed ({n})")
        return ctypes.string_at(self._out, n)
