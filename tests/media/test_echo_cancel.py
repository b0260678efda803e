"""The echo canceller (media/echo_cancel.py) on the barge-in rig's echo paths: how much of the
agent's echo it takes out, what it does to the guest's voice over the agent, and that it leaves
a line alone where there is nothing to cancel."""

from __future__ import annotations

import functools
import logging

import numpy as np
import numpy.typing as npt
import pytest

from media.echo_cancel import EchoCanceller
from media.frames import PCM16, AudioFrame
from media.resample import StreamResampler
from tests.media.barge import (
    BargeRun,
    EchoPath,
    LockstepBargeIn,
    agent_speech,
    at_level,
    echo_of,
    frames_of,
    line_noise,
    place,
    through_canceller,
)
from tests.media.corpus import tts_clip

RATE = 16000
FRAME = 320
Float = npt.NDArray[np.float64]

AGENT = ("Thank you for calling the Harbour Hotel. We have a deluxe king room for two nights "
         "from Friday, with breakfast included. Shall I book it for you?")


@functools.cache
def _agent(seconds: float) -> PCM16:
    return agent_speech(tts_clip(AGENT, "en", 165, 50), seconds)


@functools.cache
def _guest() -> Float:
    return at_level(tts_clip("Sorry, could I ask about parking at the hotel?", "en-us", 160, 50),
                    -26.0)


def _db(x: Float) -> float:
    return float(10 * np.log10(np.mean(x * x) + 1e-9))


def _erle(echo: Float, residual: Float, from_s: float, to_s: float) -> float:
    span = slice(int(from_s * RATE), int(to_s * RATE))
    return _db(echo[span]) - _db(residual[span])


def test_a_room_echo_is_cut_by_10_db_once_learnt_and_stays_cut_after_the_guest_talks() -> None:
    agent = _agent(12.0)
    echo = echo_of(agent, EchoPath.room(300.0), -12.0, 640)
    guest = np.zeros(agent.size)
    at = 6 * RATE
    guest[at:at + _guest().size] = _guest()
    noise = line_noise(agent.size)
    out = through_canceller(EchoCanceller(RATE), echo + guest + noise, frames_of(agent))
    residual = out - guest - noise
    assert _erle(echo, residual, 3.0, 6.0) > 10.0  # measured 14.9 dB
    assert _erle(echo, residual, 9.0, 12.0) > 10.0  # double talk did not undo it (13.7)
    talk = slice(at, at + _guest().size)
    # The guest over the agent: ~6.5 dB over the echo on the line, and 6 dB more over what is
    # left of the echo and of any harm done to the voice (measured +10.6 dB).
    before = _db(guest[talk]) - _db(echo[talk])
    after = _db(guest[talk]) - _db(out[talk] - guest[talk] - noise[talk])
    assert after - before > 6.0


def test_an_echo_path_that_changes_is_learnt_again() -> None:
    """The caller moves the phone: the room's response changes halfway."""
    agent = _agent(14.0)
    half = 7 * RATE
    first = echo_of(agent, EchoPath.room(300.0, seed=5), -12.0, 640)
    second = echo_of(agent, EchoPath.room(200.0, seed=9), -12.0, 960)
    echo = np.concatenate((first[:half], second[half:]))
    out = through_canceller(EchoCanceller(RATE), echo + line_noise(agent.size), frames_of(agent))
    assert _erle(echo, out, 11.0, 14.0) > 8.0


def test_a_reference_that_comes_in_bursts_keeps_its_alignment() -> None:
    """The transport pulls the playout on its own clock: two frames, then none, now and then."""
    agent = _agent(8.0)
    echo = echo_of(agent, EchoPath.room(300.0), -12.0, 640)
    rng = np.random.default_rng(3)
    frames = agent.size // FRAME
    pulls = [1] * frames
    for k in range(10, frames - 1, 1):
        if rng.random() < 0.1 and pulls[k] == 1 and pulls[k + 1] == 1:
            pulls[k], pulls[k + 1] = 2, 0
    out = through_canceller(EchoCanceller(RATE), echo + line_noise(agent.size),
                            frames_of(agent), pulls)
    assert _erle(echo, out, 4.0, 8.0) > 10.0


def test_a_phone_playout_at_8_khz_is_a_reference_for_16_khz_guest_audio() -> None:
    """Twilio: the agent is sent at 8 kHz, the guest's audio reaches the bridge at 16 kHz."""
    agent16 = _agent(8.0)
    agent8 = StreamResampler(RATE, 8000).process(agent16, last=True)
    on_line = StreamResampler(8000, RATE).process(agent8, last=True)[: agent16.size]
    echo = echo_of(on_line, EchoPath.room(300.0), -12.0, 640)
    out = through_canceller(EchoCanceller(RATE), echo + line_noise(echo.size),
                            frames_of(agent8, 8000))
    assert _erle(echo, out, 4.0, 8.0) > 10.0


def test_a_line_without_the_agent_passes_unchanged_and_costs_nothing() -> None:
    guest = np.zeros(4 * RATE)
    guest[RATE:RATE + _guest().size] = _guest()
    mic = guest + line_noise(guest.size)
    canceller = EchoCanceller(RATE)
    silence = [AudioFrame(np.zeros(FRAME, np.int16), RATE, k / 50) for k in range(200)]
    out = through_canceller(canceller, mic, silence)
    assert np.array_equal(out, np.clip(np.rint(mic), -32768, 32767))
    assert canceller.cancelled_frames == 0


def test_frames_it_cannot_line_up_pass_unchanged() -> None:
    canceller = EchoCanceller(RATE)
    canceller.reference(AudioFrame(_agent(1.0)[:FRAME], RATE, 0.0))
    odd = AudioFrame(np.full(160, 1000, np.int16), RATE, 0.0)  # 10 ms
    other = AudioFrame(np.full(160, 1000, np.int16), 8000, 0.0)  # another rate
    assert canceller.process(odd) is odd
    assert canceller.process(other) is other


# -- in the bridge ---------------------------------------------------------------------------
def _engine_heard(run: BargeRun, from_s: float, to_s: float) -> Float:
    frames = [f.samples for f in run.engine_audio if from_s <= f.timestamp < to_s]
    return np.concatenate(frames).astype(np.float64)


async def test_the_engine_gets_the_guests_audio_without_the_echo_and_barge_in_still_works(
        ) -> None:
    n = 8 * RATE
    onset = 6 * RATE
    guest = place(n, _guest(), onset) + line_noise(n)
    room = EchoPath.room(300.0)
    raw = await LockstepBargeIn(guest, _agent(10.0), echo_db=-12.0, echo_path=room).play()
    canceller = EchoCanceller(RATE)
    run = await LockstepBargeIn(guest, _agent(10.0), echo_db=-12.0, echo_path=room,
                                echo_canceller=canceller).play()
    # The agent talks alone from 0 to 6 s: what the engine got there is the echo, or its rest.
    assert _db(_engine_heard(raw, 3.0, 5.8)) - _db(_engine_heard(run, 3.0, 5.8)) > 10.0
    assert canceller.cancelled_frames > 250
    assert raw.interrupted and run.interrupted  # turn detection still hears the raw line


class _Broken(EchoCanceller):
    def process(self, frame: AudioFrame) -> AudioFrame:
        raise FloatingPointError("overflow")


async def test_a_canceller_that_fails_is_dropped_and_the_call_goes_on(
        caplog: pytest.LogCaptureFixture) -> None:
    n = 4 * RATE
    rig = LockstepBargeIn(line_noise(n), _agent(6.0), echo_db=-12.0,
                          echo_canceller=_Broken(RATE))
    with caplog.at_level(logging.ERROR, logger="media.bridge"):
        run = await rig.play()
    assert len(run.engine_audio) == n // FRAME  # every frame reached the engine, as it came
    assert rig.bridge.echo_canceller is None
    [record] = [r for r in caplog.records if "echo canceller failed" in r.getMessage()]
    assert "lockstep" in record.getMessage() and record.exc_info is not None
