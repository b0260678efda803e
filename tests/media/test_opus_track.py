"""PlayoutTrack encodes Opus itself: packets decode back to what was played, pts are contiguous
at 48 kHz, settled silence reuses one cached packet, bad frames raise `BadAudioFrame`, and libopus
called directly gives the same packets as through PyAV."""

from __future__ import annotations

import asyncio
import fractions
from typing import TYPE_CHECKING

import av
import numpy as np
import pytest
from aiortc.codecs.opus import OpusEncoder

from media import libopus
from media.clock import FrameClock
from media.errors import BadAudioFrame
from media.frames import PCM16, AudioFrame
from media.libopus import LibopusEncoder
from media.opus_encoder import SETTLE_FRAMES, OpusFrameEncoder, OpusSettings
from media.playout import Playout
from media.resample import StreamResampler
from media.speech.tts import synthesize_blocking
from media.transports.webrtc import WEBRTC_RATE, PlayoutTrack, answer_sends_opus
from tests.opus_decode import decode_opus

if TYPE_CHECKING:
    from av.stream import Stream

    Packet = av.Packet[Stream]

RATE = 48000
FRAME = 960


class UnpacedPlayout(Playout):
    """A real playout whose frames are taken at once instead of on the 20 ms clock."""

    async def next_frame(self) -> AudioFrame:
        return self.pull_frame()


def _track(rate: int = RATE, frame_ms: int = 20) -> tuple[PlayoutTrack, list[AudioFrame]]:
    playout = UnpacedPlayout(rate, FrameClock(), frame_ms=frame_ms)
    played: list[AudioFrame] = []
    playout.tap = played.append
    return PlayoutTrack(playout), played


def _pull(track: PlayoutTrack, frames: int) -> list[Packet]:
    async def run() -> list[Packet]:
        return [await track.recv() for _ in range(frames)]

    return asyncio.run(run())


def _decode(packets: list[Packet]) -> PCM16:
    return decode_opus(packets, RATE)


def _speech() -> tuple[PCM16, int]:
    return synthesize_blocking("Your room is booked for two nights, with breakfast.")


def _best_correlation(ref: PCM16, got: PCM16, max_lag: int = 2000) -> float:
    a = ref.astype(np.float64)
    b = got.astype(np.float64)
    best = -1.0
    for lag in range(0, max_lag, 8):  # Opus delays its output by 312 samples (6.5 ms)
        n = min(a.size, b.size - lag)
        best = max(best, float(np.corrcoef(a[:n], b[lag : lag + n])[0, 1]))
    return best


def test_packets_decode_back_to_the_played_audio() -> None:
    track, played = _track()
    pcm, rate = _speech()
    track.playout.enqueue(pcm, rate, utterance_id="u1", last=True)
    frames = track.playout.frame_samples
    packets = _pull(track, int(track.playout.queued_ms // 20) + 10)
    ref = np.concatenate([f.samples for f in played])
    assert ref.size == len(packets) * frames and np.abs(ref).max() > 3000
    decoded = _decode(packets)
    assert decoded.size == ref.size
    # measured 0.99 (CELT at 40 kbit/s, complexity 0; SILK/hybrid "voip" at 32 read 0.89)
    assert _best_correlation(ref, decoded) > 0.95
    # The settings' application makes libopus code the voice with CELT: TOC configs 16-31.
    assert all(16 <= bytes(p)[0] >> 3 <= 31 for p in packets)
    # Silence stays silence and speech stays at its level.
    level = float(np.sqrt(np.mean(decoded.astype(np.float64) ** 2)))
    ref_level = float(np.sqrt(np.mean(ref.astype(np.float64) ** 2)))
    assert 0.7 < level / ref_level < 1.3


def test_pts_are_contiguous_48k_steps_in_speech_and_silence() -> None:
    track, _ = _track()
    pcm, rate = _speech()
    track.playout.enqueue(pcm[: rate // 2], rate, utterance_id="u1", last=True)
    packets = _pull(track, 25 + 2 * SETTLE_FRAMES + 10)  # speech, settling, cached silence
    assert [p.pts for p in packets] == [i * FRAME for i in range(len(packets))]
    assert all(p.time_base == fractions.Fraction(1, RATE) for p in packets)
    assert track.encoder.silence_packets_sent > 0
    # aiortc's pre-encoded path turns them into contiguous RTP timestamps.
    packer = OpusEncoder()
    stamps = [packer.pack(p)[1] for p in packets]
    assert np.all(np.diff(stamps) == FRAME)


@pytest.mark.parametrize("rate", [16000, WEBRTC_RATE])
def test_a_lower_rate_playout_still_gets_48k_rtp_steps(rate: int) -> None:
    track, _ = _track(rate=rate)
    pcm, tts_rate = _speech()
    track.playout.enqueue(pcm[: tts_rate // 5], tts_rate, utterance_id="u1", last=True)
    packets = _pull(track, 12)
    assert [p.pts for p in packets] == [i * FRAME for i in range(12)]
    assert all(p.time_base == fractions.Fraction(1, RATE) for p in packets)
    packer = OpusEncoder()
    assert np.all(np.diff([packer.pack(p)[1] for p in packets]) == FRAME)
    assert _decode(packets).size == 12 * FRAME  # a 48 kHz decoder gets 20 ms per packet


def _band_db(x: PCM16, lo: float, hi: float) -> float:
    spectrum = np.abs(np.fft.rfft(x.astype(np.float64))) ** 2
    freqs = np.fft.rfftfreq(x.size, 1 / RATE)
    return float(10 * np.log10(spectrum[(freqs >= lo) & (freqs < hi)].sum() + 1e-9))


def test_the_webrtc_rate_loses_nothing_below_the_12k_cutoff() -> None:
    """The WebRTC playout feeds Opus 24 kHz: decoded at 48 kHz it carries the same spectrum,
    band by band up to the encoder's 12 kHz cutoff, as the same speech fed at 48 kHz."""
    assert WEBRTC_RATE == 24000
    pcm, rate = _speech()
    decoded = {}
    for playout_rate in (RATE, WEBRTC_RATE):
        track, _ = _track(rate=playout_rate)
        track.playout.enqueue(pcm, rate, utterance_id="u1", last=True)
        decoded[playout_rate] = _decode(_pull(track, int(track.playout.queued_ms // 20) + 10))
    full, low = decoded[RATE], decoded[WEBRTC_RATE]
    assert _best_correlation(full, low, max_lag=64) > 0.9
    for lo, hi in ((0, 4000), (4000, 8000), (8000, 10000), (10000, 12000)):
        assert abs(_band_db(low, lo, hi) - _band_db(full, lo, hi)) < 1.5, (lo, hi)


def test_idle_playout_reuses_one_cached_silence_packet() -> None:
    track, _ = _track()
    enc = track.encoder
    settling = _pull(track, SETTLE_FRAMES)
    assert enc.frames_encoded == SETTLE_FRAMES and enc.silence_cached
    idle = _pull(track, 50)
    assert enc.frames_encoded == SETTLE_FRAMES  # nothing encoded while idle
    assert enc.silence_packets_sent == 50
    assert {bytes(p) for p in idle} == {bytes(settling[-1])}
    assert np.abs(_decode(settling + idle)).max() < 50  # and it decodes to silence

    pcm, rate = _speech()
    track.playout.enqueue(pcm[: rate // 2], rate, utterance_id="u1", last=True)
    speech = _pull(track, 10)
    assert enc.frames_encoded == SETTLE_FRAMES + 10 and not enc.silence_cached
    assert all(bytes(p) != bytes(idle[0]) for p in speech)
    # After the utterance the encoder settles again before the cached packet is reused.
    _pull(track, 25)
    assert enc.silence_cached


def test_wrong_size_frame_raises_the_typed_error() -> None:
    track, _ = _track(frame_ms=10)  # 480-sample frames: not what the encoder takes
    with pytest.raises(BadAudioFrame):
        _pull(track, 1)
    assert track.encoder.bad_frames == 1

    enc = OpusFrameEncoder(RATE)
    with pytest.raises(BadAudioFrame):
        enc.encode(AudioFrame(np.zeros(320, np.int16), 16000))  # right duration, wrong rate
    with pytest.raises(BadAudioFrame):
        enc.encode(AudioFrame(np.zeros(FRAME + 1, np.int16), RATE))
    assert enc.bad_frames == 2
    enc.encode(AudioFrame(np.zeros(FRAME, np.int16), RATE))  # and it still works afterwards
    with pytest.raises(BadAudioFrame):
        OpusFrameEncoder(22050)  # Opus takes 8/12/16/24/48 kHz only


def _answer(*codecs: str) -> str:
    payloads = {"opus/48000/2": 96, "PCMU/8000": 0, "PCMA/8000": 8}
    lines = [
        "v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "t=0 0",
        "m=audio 9 UDP/TLS/RTP/SAVPF " + " ".join(str(payloads[c]) for c in codecs),
        "c=IN IP4 0.0.0.0", "a=mid:0", "a=sendrecv",
        *(f"a=rtpmap:{payloads[c]} {c}" for c in codecs),
    ]
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize(
    ("codecs", "ok"),
    [(("opus/48000/2", "PCMU/8000"), True), (("PCMU/8000", "opus/48000/2"), False),
     (("PCMU/8000", "PCMA/8000"), False)],
)
def test_answer_must_send_opus_first(codecs: tuple[str, ...], ok: bool) -> None:
    assert answer_sends_opus(_answer(*codecs)) is ok


needs_libopus = pytest.mark.skipif(libopus.load() is None, reason="no loadable libopus")


@needs_libopus
@pytest.mark.parametrize("rate", [RATE, WEBRTC_RATE, 16000])
@pytest.mark.parametrize("settings", [OpusSettings(), OpusSettings(32000, 9, 20000, "voip"),
                                      OpusSettings(24000, 5, 8000, "lowdelay")])
def test_direct_libopus_gives_the_same_packets_as_pyav(rate: int, settings: OpusSettings
                                                       ) -> None:
    """libopus called directly is configured as FFmpeg's wrapper configures it: same bytes."""
    pcm, tts_rate = _speech()
    speech = StreamResampler(tts_rate, rate).process(pcm[: tts_rate], last=True)
    n = rate // 50
    frames = [speech[i : i + n] for i in range(0, speech.size - n + 1, n)]
    frames += [np.zeros(n, np.int16)] * (SETTLE_FRAMES + 3)
    direct = OpusFrameEncoder(rate, settings, backend="libopus")
    pyav = OpusFrameEncoder(rate, settings, backend="pyav")
    assert (direct.backend, pyav.backend) == ("libopus", "pyav")
    got = [direct.encode(AudioFrame(f, rate)) for f in frames]
    want = [pyav.encode(AudioFrame(f, rate)) for f in frames]
    assert [bytes(p) for p in got] == [bytes(p) for p in want]
    assert [(p.pts, p.time_base) for p in got] == [(p.pts, p.time_base) for p in want]
    assert direct.frames_encoded == pyav.frames_encoded
    assert direct.silence_packets_sent == pyav.silence_packets_sent > 0


@needs_libopus
def test_auto_backend_calls_libopus_and_checks_its_frames() -> None:
    enc = OpusFrameEncoder(WEBRTC_RATE)
    assert enc.backend == "libopus"
    lib = libopus.load()
    assert lib is not None
    direct = LibopusEncoder(lib, WEBRTC_RATE, bitrate=40000, complexity=0, cutoff_hz=12000,
                            application="audio")
    with pytest.raises(ValueError):
        direct.encode(np.zeros(481, np.int16))
    with pytest.raises(ValueError):
        LibopusEncoder(lib, WEBRTC_RATE, bitrate=40000, complexity=0, cutoff_hz=11000,
                       application="audio")
    strided = np.zeros(960, np.int16)[::2]  # not contiguous: copied, not misread
    assert len(direct.encode(strided)) > 0
