"""The signalling wire format: every malformed message becomes a typed error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.voice.signalling import (
    Answer,
    Candidate,
    ErrorCode,
    Hangup,
    Offer,
    SignallingError,
    StateMessage,
    encode,
    parse_client_message,
)

FIXTURES = Path(__file__).parent / "fixtures" / "sdp"
AUDIO_OFFER = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n"


def test_parses_offer_candidate_hangup() -> None:
    offer = parse_client_message(json.dumps({"type": "offer", "sdp": AUDIO_OFFER}))
    assert offer == Offer(sdp=AUDIO_OFFER)
    cand = parse_client_message(json.dumps(
        {"type": "candidate", "candidate": "candidate:1 1 udp 1 127.0.0.1 5000 typ host",
         "sdpMid": "0", "sdpMLineIndex": 0}))
    assert isinstance(cand, Candidate) and cand.sdp_mline_index == 0
    assert parse_client_message('{"type": "hangup"}') == Hangup()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", ErrorCode.BAD_JSON),
        ("[1, 2]", ErrorCode.BAD_MESSAGE),
        ('{"type": "dance"}', ErrorCode.UNKNOWN_TYPE),
        ('{"sdp": "v=0"}', ErrorCode.UNKNOWN_TYPE),
        ('{"type": "offer"}', ErrorCode.BAD_MESSAGE),
        ('{"type": "offer", "sdp": 42}', ErrorCode.BAD_MESSAGE),
        ('{"type": "candidate", "candidate": "x", "sdpMLineIndex": "zero"}',
         ErrorCode.BAD_MESSAGE),
        ("[" * 100_000, ErrorCode.BAD_JSON),
    ],
)
def test_malformed_messages_are_typed_errors(raw: str, code: ErrorCode) -> None:
    with pytest.raises(SignallingError) as info:
        parse_client_message(raw)
    assert info.value.code is code


@pytest.mark.parametrize("fixture", ["video_only.sdp", "not_sdp.sdp"])
def test_offers_without_audio_are_rejected(fixture: str) -> None:
    sdp = (FIXTURES / fixture).read_text()
    with pytest.raises(SignallingError) as info:
        parse_client_message(json.dumps({"type": "offer", "sdp": sdp}))
    assert info.value.code is ErrorCode.BAD_SDP


def test_oversized_sdp_is_rejected() -> None:
    with pytest.raises(SignallingError) as info:
        parse_client_message(json.dumps({"type": "offer", "sdp": AUDIO_OFFER + "a=x\r\n" * 20000}))
    assert info.value.code is ErrorCode.BAD_SDP


def test_server_messages_encode_without_nulls() -> None:
    assert json.loads(encode(StateMessage("connected"))) == {"type": "state", "state": "connected"}
    assert json.loads(encode(Answer(sdp="v=0", session_id="abc")))["session_id"] == "abc"
