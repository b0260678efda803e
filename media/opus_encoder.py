"""Outbound Opus: 20 ms mono playout frames -> Opus packets, encoded where they are pulled.

aiortc encodes every `av.AudioFrame` a track returns on an executor thread (a thread hop per
20 ms) with its own stereo 96 kbit/s encoder; a track that returns `av.Packet`s is only packed
(aiortc's documented pre-encoded path). This encoder lives as long as its track, is configured
for one voice (mono, CELT, settings chosen by measurement in docs/media-measurements.md), and
once the agent has been digitally silent for a few frames it repeats the silence packet the
encoder settled on instead of encoding again, so an idle agent costs almost nothing. libopus is
called directly when it can be loaded (media/libopus.py), through PyAV otherwise.
"""

from __future__ import annotations

import fractions
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import av
import numpy as np

from media import libopus
from media.errors import BadAudioFrame
from media.frames import AudioFrame, samples_per_frame
from media.libopus import LibopusEncoder

if TYPE_CHECKING:
    from av.stream import Stream

OPUS_RATE = 48000  # the RTP clock of Opus, whatever rate the encoder is fed
OPUS_TIME_BASE = fractions.Fraction(1, OPUS_RATE)
OPUS_INPUT_RATES: frozenset[int] = frozenset({8000, 12000, 16000, 24000, 48000})
# Silent frames still encoded after audio, before the cached silence packet is used: they carry
# the encoder's 6.5 ms look-ahead (the end of the speech) and let its state settle to silence.
SETTLE_FRAMES = 5
# "auto": libopus called directly when it loads (media/libopus.py: ~20 µs less per frame, the
# same packets), else PyAV; the other two insist on one (tests, the bench).
Backend = Literal["auto", "libopus", "pyav"]


@dataclass(frozen=True, slots=True)
class OpusSettings:
    """Encoder configuration; the defaults are the measured choice for the agent's voice."""

    bitrate: int = 40000
    complexity: int = 0  # libopus 0-10 (FFmpeg's compression_level)
    # Super-wideband: our voices (espeak-ng at 22.05 kHz, the Realtime API at 24 kHz) carry
    # nothing above 12 kHz, so full band buys them nothing; the cutoff keeps other audio (hold
    # music, a staff microphone) from spending the bits up there.
    cutoff_hz: int = 12000
    # libopus "voip", "audio" or "lowdelay". "audio" codes our clean TTS with CELT, which at
    # complexity 0 costs about a third of "voip"'s SILK/hybrid; at 40 kbit/s it is closer to
    # the input on every measure (waveform, spectrum, also with 5 % packet loss) than
    # "voip" at 32 (docs/media-measurements.md), for ~13 kbit/s more.
    application: str = "audio"


class OpusFrameEncoder:
    """Encodes consecutive 20 ms mono frames of one stream; packets carry RTP-ready pts.

    `encode()` raises `BadAudioFrame` (and counts it) for a frame of the wrong rate or size.
    Packet pts advance by 960 (20 ms at 48 kHz) per frame, contiguous, in `OPUS_TIME_BASE`.
    """

    def __init__(self, sample_rate: int = OPUS_RATE,
                 settings: OpusSettings | None = None, backend: Backend = "auto") -> None:
        if sample_rate not in OPUS_INPUT_RATES:
            raise BadAudioFrame(f"Opus cannot encode {sample_rate} Hz audio")
        self.sample_rate = sample_rate
        self.settings = settings or OpusSettings()
        self.frame_samples = samples_per_frame(sample_rate)
        self._pts_step = samples_per_frame(OPUS_RATE)
        self._direct: LibopusEncoder | None = None
        self._codec: av.AudioCodecContext | None = None
        lib = libopus.load() if backend != "pyav" else None
        if lib is not None:
            s = self.settings
            self._direct = LibopusEncoder(lib, sample_rate, bitrate=s.bitrate,
                                          complexity=s.complexity, cutoff_hz=s.cutoff_hz,
                                          application=s.application)
        elif backend == "libopus":
            raise RuntimeError("libopus could not be loaded")
        else:
            self._codec = _open_codec(sample_rate, self.settings)
        self.backend: Backend = "libopus" if self._direct is not None else "pyav"
        self._input_pts = 0
        self._pts = 0
        self._silent_run = 0
        self._silence_packet: bytes | None = None
        self.frames_encoded = 0
        self.silence_packets_sent = 0
        self.bad_frames = 0

    def encode(self, frame: AudioFrame) -> av.Packet[Stream]:
        """The packet for this frame (the cached silence packet for settled silence)."""
        if frame.sample_rate != self.sample_rate or frame.samples.size != self.frame_samples:
            self.bad_frames += 1
            raise BadAudioFrame(
                f"expected {self.frame_samples} samples at {self.sample_rate} Hz, got "
                f"{frame.samples.size} at {frame.sample_rate} Hz"
            )
        if np.count_nonzero(frame.samples):  # 0.3 µs; ndarray.any() takes ~1.2 µs
            self._silent_run = 0
            packet = self._encode(frame)
        elif self._silence_packet is not None and self._silent_run >= SETTLE_FRAMES:
            packet = av.Packet(self._silence_packet)
            self.silence_packets_sent += 1
        else:
            self._silent_run += 1
            packet = self._encode(frame)
            if self._silent_run >= SETTLE_FRAMES and self._silence_packet is None:
                self._silence_packet = bytes(packet)
        packet.pts = self._pts
        packet.time_base = OPUS_TIME_BASE
        self._pts += self._pts_step
        return packet

    @property
    def silence_cached(self) -> bool:
        """Whether digital silence is now answered with the cached packet (no encoding)."""
        return self._silence_packet is not None and self._silent_run >= SETTLE_FRAMES

    def _encode(self, frame: AudioFrame) -> av.Packet[Stream]:
        self.frames_encoded += 1
        if self._direct is not None:
            return av.Packet(self._direct.encode(frame.samples))
        assert self._codec is not None
        out = av.AudioFrame.from_ndarray(frame.samples.reshape(1, -1), format="s16",
                                         layout="mono")
        out.sample_rate = self.sample_rate
        out.pts = self._input_pts
        out.time_base = fractions.Fraction(1, self.sample_rate)
        self._input_pts += self.frame_samples
        packets = self._codec.encode(out)
        if len(packets) != 1:  # libopus takes one 20 ms frame and returns one packet
            raise RuntimeError(f"Opus encoder returned {len(packets)} packets for one frame")
        packet: av.Packet[Stream] = packets[0]
        return packet


def _open_codec(sample_rate: int, settings: OpusSettings) -> av.AudioCodecContext:
    codec = av.CodecContext.create("libopus", "w")
    assert isinstance(codec, av.AudioCodecContext)
    codec.sample_rate = sample_rate
    codec.layout = "mono"
    codec.format = "s16"
    codec.bit_rate = settings.bitrate
    codec.time_base = fractions.Fraction(1, sample_rate)
    codec.options = {
        "application": settings.application,
        "compression_level": str(settings.complexity),
        "cutoff": str(settings.cutoff_hz),
    }
    codec.open()
    return codec

