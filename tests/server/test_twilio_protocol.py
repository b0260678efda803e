"""The Media Streams wire format: Twilio's messages parse to typed ones (round trip through the
scripted client's encoder), ours encode as Twilio expects, and malformed input raises typed
errors rather than anything else."""

from __future__ import annotations

import json

import pytest

from server.twilio.protocol import (
    Clear,
    Connected,
    Dtmf,
    Mark,
    Media,
    MediaFormat,
    OutboundMark,
    OutboundMedia,
    Start,
    Stop,
    StreamErrorCode,
    StreamProtocolError,
    encode_inbound,
    encode_outbound,
    parse_inbound,
    parse_outbound,
)


@pytest.mark.parametrize("message", [
    Connected(),
    Start("MZ1", "CA1", "AC1", ("inbound",), {"session_id": "s"}, MediaFormat()),
    Media("MZ1", b"\xff" * 160, timestamp_ms=40, chunk=2),
    Mark("MZ1", "m3"),
    Dtmf("MZ1", "#"),
    Stop("MZ1", "CA1"),
])
def test_inbound_round_trip(message: object) -> None:
    assert parse_inbound(encode_inbound(message, seq=7)) == message  # type: ignore[arg-type]


def test_twilio_documented_start_parses() -> None:
    sid = "MZ18ad3ab5a668481ce02b83e7395059f0"
    doc = {"event": "start", "sequenceNumber": "1", "streamSid": sid,
           "start": {"accountSid": "AC123", "streamSid": sid,
                     "callSid": "CA123", "tracks": ["inbound"],
                     "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000,
                                     "channels": 1},
                     "customParameters": {"FirstName": "Jane"}}}
    start = parse_inbound(json.dumps(doc))
    assert isinstance(start, Start) and start.call_sid == "CA123"
    assert start.custom_parameters == {"FirstName": "Jane"}


@pytest.mark.parametrize("message", [
    OutboundMedia("MZ1", b"\x7f" * 160), OutboundMark("MZ1", "m1"), Clear("MZ1")])
def test_outbound_round_trip(message: OutboundMedia | OutboundMark | Clear) -> None:
    text = encode_outbound(message)
    assert json.loads(text)["streamSid"] == "MZ1"
    assert parse_outbound(text) == message


@pytest.mark.parametrize(("text", "code"), [
    ("{nope", StreamErrorCode.BAD_JSON),
    (b"\xff\xfe", StreamErrorCode.BAD_JSON),
    ("[]", StreamErrorCode.BAD_MESSAGE),
    ('{"event": "media", "streamSid": "MZ"}', StreamErrorCode.BAD_MESSAGE),
    ('{"event": "media", "streamSid": "MZ", "media": {"payload": "!!"}}',
     StreamErrorCode.BAD_PAYLOAD),
    ('{"event": "media", "media": {"payload": "AA=="}}', StreamErrorCode.BAD_MESSAGE),
    ('{"event": "media", "streamSid": "MZ", "media": {"payload": "AA==", "chunk": "x"}}',
     StreamErrorCode.BAD_MESSAGE),
    ('{"event": "mark", "streamSid": "MZ", "mark": {}}', StreamErrorCode.BAD_MESSAGE),
    ('{"event": "dtmf", "streamSid": "MZ", "dtmf": {"digit": "12"}}',
     StreamErrorCode.BAD_MESSAGE),
    ('{"event": "start", "start": {"streamSid": "MZ"}}', StreamErrorCode.BAD_MESSAGE),
    ('{"event": "start", "start": {"streamSid": "MZ", "callSid": "CA", '
     '"customParameters": []}}', StreamErrorCode.BAD_MESSAGE),
    ('{"event": "hello"}', StreamErrorCode.UNKNOWN_EVENT),
    ('{}', StreamErrorCode.UNKNOWN_EVENT),
])
def test_malformed_input_raises_typed_errors(text: str | bytes, code: StreamErrorCode) -> None:
    with pytest.raises(StreamProtocolError) as err:
        parse_inbound(text)
    assert err.value.code is code
