"""The Media Streams wire format: Twilio's messages parse to typed ones (round trip through the
scripted client's encoder), ours encode as Twilio expects, and malformed input raises typed
errors rather than anything else."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp import WSMsgType
from aiohttp._websocket.writer import WebSocketWriter

from server.twilio.protocol import (
    Clear,
    Connected,
    Dtmf,
    Mark,
    Media,
    MediaFormat,
    OutboundEncoder,
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
    ws_text_frame,
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
    ('{"event": "media", "streamSid": "MZ", "media": {"payload": "AA==", "timestamp": []}}',
     StreamErrorCode.BAD_MESSAGE),
    ('{"event": "media", "streamSid": "", "media": {"payload": "AA=="}}',
     StreamErrorCode.BAD_MESSAGE),
    ('{"event": "media", "streamSid": 5, "media": {"payload": "AA=="}}',
     StreamErrorCode.BAD_MESSAGE),
    ('{"event": "media", "streamSid": "MZ", "media": {"payload": 12}}',
     StreamErrorCode.BAD_MESSAGE),
    ('{"event": "media", "streamSid": "MZ", "media": {"payload": "AA==", "track": 1}}',
     StreamErrorCode.BAD_MESSAGE),
    ('{"event": "media", "streamSid": "MZ", "media": ["AA=="]}', StreamErrorCode.BAD_MESSAGE),
    ('{"event": "media", "streamSid": "MZ", "media": {"payload": "AA=\\n"}}',
     StreamErrorCode.BAD_PAYLOAD),
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


@pytest.mark.parametrize(("media", "expected"), [
    ({"track": "inbound", "chunk": "3", "timestamp": "60", "payload": "AAE="},
     Media("MZ", b"\x00\x01", 60, 3, "inbound")),
    ({"payload": "AAE=", "timestamp": 60, "chunk": 3}, Media("MZ", b"\x00\x01", 60, 3)),
    ({"payload": "AAE=", "timestamp": 60.0, "chunk": True},  # unusual types: the full path
     Media("MZ", b"\x00\x01", 60, 1)),
    ({"payload": "AAE=", "timestamp": " 7 "}, Media("MZ", b"\x00\x01", 7)),
    ({}, Media("MZ", b"")),  # an empty payload parses; the source refuses its size
    ({"payload": "AAE=", "track": ""}, Media("MZ", b"\x00\x01", track="")),
])
def test_media_parses_in_any_key_order_and_number_type(media: dict[str, object],
                                                       expected: Media) -> None:
    """Twilio's own key order and spacing differ from the scripted client's; both parse."""
    compact = json.dumps({"event": "media", "sequenceNumber": "4", "media": media,
                          "streamSid": "MZ"}, separators=(",", ":"))
    assert parse_inbound(compact) == expected
    assert parse_inbound(compact.encode()) == expected


class _Sink(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.data = b""

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.data += bytes(data)

    def is_closing(self) -> bool:
        return False


class _Protocol:
    _paused = False


@pytest.mark.parametrize("size", [0, 1, 125, 126, 300, 65535, 65536, 70000])
async def test_outbound_frames_are_what_aiohttp_writes(size: int) -> None:
    """The sender writes websocket frames itself: byte for byte what `send_str` would write."""
    sink = _Sink()
    writer = WebSocketWriter(_Protocol(), sink)  # type: ignore[arg-type]
    text = ("x" * size).encode()
    await writer.send_frame(text, WSMsgType.TEXT)
    assert ws_text_frame(text) == sink.data


async def test_outbound_encoder_frames_carry_its_messages() -> None:
    encoder = OutboundEncoder("MZ1")
    for frame, text in [(encoder.media_frame(b"\x7f" * 160), encoder.media(b"\x7f" * 160)),
                        (encoder.mark_frame("m1"), encoder.mark("m1")),
                        (encoder.clear_frame(), encoder.clear())]:
        assert frame == ws_text_frame(text.encode())
        parse_outbound(text)
