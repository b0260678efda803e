"""aiortc adapters: a remote audio track as an `AudioSource`, a `Playout` as a local track.

Chromium sends 48 kHz Opus (stereo or mono); aiortc decodes it to packed s16 `av.AudioFrame`s.
Outbound, `PlayoutTrack` encodes Opus itself and hands aiortc ready packets.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import av
import numpy as np
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError
from aiortc.sdp import SessionDescription

from media.errors import BadAudioFrame, TransportClosed
from media.frames import FRAME_MS, PCM16, AudioFrame, silence
from media.opus_encoder import OpusFrameEncoder, OpusSettings
from media.playout import Playout
from media.resample import StreamResampler, downmix

if TYPE_CHECKING:
    from av.stream import Stream

# A WebRTC call's playout rate, which PlayoutTrack feeds Opus. The agent's voices carry nothing
# above 12 kHz (espeak-ng 22.05 kHz, the Realtime API 24 kHz) and the encoder cuts the band
# there, so 24 kHz loses nothing; it saves encoder CPU and the TTS upsampling (24 kHz Realtime
# audio needs none), docs/media-measurements.md. RTP keeps Opus's 48 kHz clock either way.
WEBRTC_RATE = 24000


def av_samples(frame: av.AudioFrame) -> tuple[PCM16, int, int]:
    """(int16 samples, channels, sample rate) of a decoded aiortc frame, interleaved when it
    has several channels (packed or planar s16).

    aiortc's Opus decoder yields packed stereo s16; that case is a view of the frame's buffer
    (no `to_ndarray`, no copy): TrackSource's resampler averages the lanes as it filters.
    """
    name = frame.format.name
    if name not in ("s16", "s16p"):
        raise BadAudioFrame(f"expected s16 audio, got {name}")
    channels = int(frame.layout.nb_channels)
    rate = int(frame.sample_rate)
    if frame.format.is_planar:
        planes = frame.to_ndarray()
        if channels == 1:
            return np.ascontiguousarray(planes[0], dtype=np.int16), 1, rate
        interleaved: PCM16 = np.ascontiguousarray(planes.T, dtype=np.int16).reshape(-1)
        return interleaved, channels, rate
    try:
        interleaved = np.frombuffer(memoryview(frame.planes[0]), np.int16,
                                    count=frame.samples * channels)
    except ValueError as exc:  # a buffer shorter than its sample count says
        raise BadAudioFrame("packed audio buffer too short") from exc
    return interleaved, channels, rate


def av_to_mono(frame: av.AudioFrame) -> tuple[PCM16, int]:
    """Mono int16 samples of a decoded aiortc frame (any s16 layout: lanes averaged, floor)."""
    samples, channels, rate = av_samples(frame)
    if channels == 1:
        return samples.copy(), rate
    return downmix(samples, channels), rate


async def _recv_audio(track: MediaStreamTrack) -> av.AudioFrame:
    frame = await track.recv()
    if not isinstance(frame, av.AudioFrame):
        raise BadAudioFrame("remote track yielded a non-audio frame")
    return frame


class TrackSource:
    """Reads an aiortc remote audio track and yields mono frames at `sample_rate`.

    When the browser stops sending (a muted or idle source, lost packets) it yields silence
    after `gap_s`, one frame per 20 ms, so turn detection still sees the end of a turn.
    """

    line_rate = 48000  # Opus from a browser: the full band

    def __init__(self, track: MediaStreamTrack, sample_rate: int = 16000,
                 gap_s: float = 0.1) -> None:
        self.track = track
        self.sample_rate = sample_rate
        self.gap_s = gap_s
        self._resampler: StreamResampler | None = None
        self._samples_out = 0
        self._in_gap = False
        self._closed = False
        self.bad_frames = 0
        self.gap_frames = 0

    async def _next_frame(self) -> av.AudioFrame | None:
        """The next decoded frame, or None when none came within the gap allowance.

        A read that times out is cancelled, which loses nothing (aiortc's track read is a
        queue get). Per frame this costs one timer, not a task and an `asyncio.wait`: about
        30 µs less event-loop CPU per frame (docs/media-measurements.md).
        """
        timeout = FRAME_MS / 1000 if self._in_gap else self.gap_s
        try:
            async with asyncio.timeout(timeout):
                frame = await _recv_audio(self.track)
        except TimeoutError:
            self._in_gap = True
            return None
        self._in_gap = False
        return frame

    def close(self) -> None:
        """Later `recv()`s raise `TransportClosed` (a read under way ends within `gap_s`)."""
        self._closed = True

    async def recv(self) -> AudioFrame:
        while True:
            if self._closed:
                raise TransportClosed("source closed")
            try:
                frame = await self._next_frame()
            except MediaStreamError as exc:
                raise TransportClosed("remote track ended") from exc
            except BadAudioFrame:
                self.bad_frames += 1
                continue
            if frame is None:
                self.gap_frames += 1
                gap = silence(self.sample_rate, timestamp=self._samples_out / self.sample_rate)
                self._samples_out += gap.samples.size
                return gap
            try:
                samples, channels, rate = av_samples(frame)
                if self._resampler is None or self._resampler.in_rate != rate:
                    self._resampler = StreamResampler(rate, self.sample_rate)
                out = self._resampler.process(samples, channels=channels)
                if out is samples:  # same rate, mono: a view of aiortc's frame buffer
                    out = samples.copy()
                if out.size == 0:
                    continue
                result = AudioFrame(out, self.sample_rate, self._samples_out / self.sample_rate)
            except BadAudioFrame:
                self.bad_frames += 1
                continue
            self._samples_out += out.size
            return result


def answer_sends_opus(sdp: str) -> bool:
    """Whether an answer's first audio codec (the one aiortc will send with) is Opus, which
    `PlayoutTrack`'s packets need."""
    for media in SessionDescription.parse(sdp).media:
        if media.kind == "audio":
            codecs = media.rtp.codecs
            return bool(codecs) and codecs[0].mimeType.lower() == "audio/opus"
    return False


class PlayoutTrack(MediaStreamTrack):
    """A local audio track whose frames come from a `Playout`, paced by its clock.

    It returns Opus packets, not frames: aiortc then only packs them into RTP, with no
    per-frame encode on an executor thread (media/opus_encoder.py). The negotiated send codec
    must therefore be Opus. A frame of the wrong size or rate raises `BadAudioFrame`.
    """

    kind = "audio"

    def __init__(self, playout: Playout, settings: OpusSettings | None = None) -> None:
        super().__init__()
        self.playout = playout
        self.encoder = OpusFrameEncoder(playout.sample_rate, settings)

    async def recv(self) -> av.Packet[Stream]:
        if self.readyState != "live":
            raise MediaStreamError
        frame = await self.playout.next_frame()
        return self.encoder.encode(frame)
