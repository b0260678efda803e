"""TwiML documents, built with the SDK: stream a call to the agent, or dial a department."""

from __future__ import annotations

from twilio.twiml.voice_response import Connect, Dial, VoiceResponse

from server.settings import Settings
from server.twilio.signature import public_ws_url

STREAM_PATH = "/voice/twilio/stream"


def stream_url(settings: Settings) -> str:
    return public_ws_url(settings, STREAM_PATH)


def connect_stream(settings: Settings, parameters: dict[str, str]) -> str:
    """`<Connect><Stream>` to the agent; the parameters come back in the stream's `start`."""
    response = VoiceResponse()
    connect = Connect()
    stream = connect.stream(url=stream_url(settings))
    for name, value in parameters.items():
        stream.parameter(name=name, value=value)
    response.append(connect)
    return str(response)


def dial(number: str, *, say: str | None = None, send_digits: str | None = None) -> str:
    """Say a line, then dial `number` (optionally keying in an extension once answered)."""
    response = VoiceResponse()
    if say:
        response.say(say, language="en-GB")
    d = Dial()
    if send_digits:
        d.number(number, send_digits=send_digits)
    else:
        d.number(number)
    response.append(d)
    return str(response)
