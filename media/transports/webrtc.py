"""aiortc adapters: a remote audio track as an `AudioSource`, a `Playout` as a local track.

Chromium sends 48 kHz Opus (stereo or mono); aiortc decodes it to packed s16 `av.AudioFrame`s.
"""

from __future__ import annotations

import fractions

import av
import numpy as np
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError

from media.errors import BadAudioFrame, TransportClosed
from media.frames import PCM16, AudioFrame
from media.playout import Playout
from media.resample import StreamResampler

WEBRTC_RATE = 48000


def av_to_mono(frame: av.AudioFrame) -> tuple[PCM16, int]:
    """Mono int16 samples of a decoded aiortc frame (packed or planar, any channel count)."""
    data = frame.to_ndarray()
    channels = len(frame.layout.channels)
    if data.dtype != np.int16:
        raise BadAudioFrame(f"expected s16 audio, got {frame.format.name}")
    if frame.format.is_planar:
        groups = data
    else:
        interleaved = data.reshape(-1)
        if interleaved.size % channels:
            raise BadAudioFrame("packed audio not a whole number of channel groups")
        groups = interleaved.reshape(-1, channels).T
    if channels == 1:
        return np.ascontiguousarray(groups[0], dtype=np.int16), int(frame.sample_rate)
    mixed = groups.sum(axis=0, dtype=np.int32) // channels
    return mixed.astype(np.int16), int(frame.sample_rate)


class TrackSource:
    """Reads an aiortc remote audio track and yields mono frames at `sample_rate`."""

    def __init__(self, track: MediaStreamTrack, sample_rate: int = 16000) -> None:
        self.track = track
        self.sample_rate = sample_rate
        self._resampler: StreamResampler | None = None
        self._samples_out = 0
        self.bad_frames = 0

    async def recv(self) -> AudioFrame:
        while True:
            try:
                frame = await self.track.recv()
            except MediaStreamError as exc:
                raise TransportClosed("remote track ended") from exc
            try:
                if not isinstance(frame, av.AudioFrame):
                    raise BadAudioFrame("remote track yielded a non-audio frame")
                mono, rate = av_to_mono(frame)
                if self._resampler is None or self._resampler.in_rate != rate:
                    self._resampler = StreamResampler(rate, self.sample_rate)
                out = self._resampler.process(mono)
                if out.size == 0:
                    continue
                result = AudioFrame(out, self.sample_rate, self._samples_out / self.sample_rate)
            except BadAudioFrame:
                self.bad_frames += 1
                continue
            self._samples_out += out.size
            return result


class PlayoutTrack(MediaStreamTrack):
    """A local audio track whose frames come from a `Playout`, paced by its clock."""

    kind = "audio"

    def __init__(self, playout: Playout) -> None:
        super().__init__()
        self.playout = playout
        self._time_base = fractions.Fraction(1, playout.sample_rate)
        self._pts = 0

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        frame = await self.playout.next_frame()
        out = av.AudioFrame.from_ndarray(frame.samples.reshape(1, -1), format="s16", layout="mono")
        out.sample_rate = frame.sample_rate
        out.pts = self._pts
        out.time_base = self._time_base
        self._pts += frame.samples.size
        return out
