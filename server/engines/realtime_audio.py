"""Audio formats the Realtime engine speaks per transport: 24 kHz PCM (WebRTC) or μ-law (Twilio).

Twilio already carries G.711 μ-law at 8 kHz, so a phone call goes to the API as `audio/pcmu`
with no resampling; a WebRTC call goes as 24 kHz little-endian PCM16, the API's native rate.
"""

from __future__ import annotations

import base64
import enum

import numpy as np
from openai.types.realtime.realtime_audio_formats_param import RealtimeAudioFormatsParam

from media.codecs import bytes_to_pcm16, pcm16_to_bytes, ulaw_decode, ulaw_encode
from media.frames import PCM16
from media.resample import StreamResampler


class AudioFormat(enum.StrEnum):
    PCM24K = "pcm24k"
    PCMU = "pcmu"

    @property
    def rate(self) -> int:
        """Sample rate of the PCM the engine exchanges with the bridge and playout."""
        return 24000 if self is AudioFormat.PCM24K else 8000

    def api_format(self) -> RealtimeAudioFormatsParam:
        """The `audio.input.format` / `audio.output.format` value for `session.update`."""
        if self is AudioFormat.PCM24K:
            return {"type": "audio/pcm", "rate": 24000}
        return {"type": "audio/pcmu"}

    def to_payload(self, samples: PCM16) -> str:
        """PCM16 at `rate` → base64 payload for `input_audio_buffer.append`."""
        raw = pcm16_to_bytes(samples) if self is AudioFormat.PCM24K else ulaw_encode(
            samples).tobytes()
        return base64.b64encode(raw).decode("ascii")

    def from_payload(self, payload: str) -> PCM16:
        """Base64 payload of `response.output_audio.delta` → PCM16 at `rate`."""
        raw = base64.b64decode(payload, validate=False)
        if self is AudioFormat.PCM24K:
            return bytes_to_pcm16(raw[: len(raw) - len(raw) % 2])
        return ulaw_decode(raw)

    def samples_to_ms(self, samples: int) -> float:
        return 1000.0 * samples / self.rate


def to_rate(samples: PCM16, sample_rate: int, rate: int) -> PCM16:
    """Resample a whole utterance (e.g. `SpeechEnded.audio`) to `rate`."""
    if sample_rate == rate:
        return samples
    out: PCM16 = np.asarray(StreamResampler(sample_rate, rate).process(samples, last=True),
                            dtype=np.int16)
    return out


def parse_format(value: str | AudioFormat) -> AudioFormat:
    try:
        return AudioFormat(str(value).strip().lower())
    except ValueError:
        raise ValueError(f"unknown audio format {value!r} (use 'pcm24k' or 'pcmu')") from None
