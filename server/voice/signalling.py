"""The guest signalling wire format on `WS /voice/webrtc`: typed messages, one parser.

Client → server: offer, candidate, hangup. Server → client: answer, state, error.
Every message is a JSON object with a `type`; anything else is a `SignallingError`.
"""

from __future__ import annotations

import enum
import json
from dataclasses import asdict, dataclass
from typing import Any


class ErrorCode(enum.StrEnum):
    BAD_JSON = "bad_json"
    BAD_MESSAGE = "bad_message"
    UNKNOWN_TYPE = "unknown_type"
    BAD_SDP = "bad_sdp"
    TOO_LARGE = "too_large"
    BAD_STATE = "bad_state"
    SERVER_ERROR = "server_error"


class CloseCode(enum.IntEnum):
    """WebSocket close codes the guest page understands."""

    NORMAL = 1000
    GOING_AWAY = 1001
    PROTOCOL_ERROR = 1002
    UNSUPPORTED_DATA = 1003
    POLICY = 1008
    TOO_BIG = 1009
    SERVER_ERROR = 1011
    # 4000–4999 are ours
    CALL_ENDED = 4000
    BAD_OFFER = 4400


class SignallingError(Exception):
    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Offer:
    sdp: str
    caller: str | None = None
    type: str = "offer"


@dataclass(frozen=True, slots=True)
class Candidate:
    candidate: str
    sdp_mid: str | None
    sdp_mline_index: int | None
    type: str = "candidate"


@dataclass(frozen=True, slots=True)
class Hangup:
    reason: str = "guest_hangup"
    type: str = "hangup"


@dataclass(frozen=True, slots=True)
class Answer:
    sdp: str
    session_id: str
    type: str = "answer"


@dataclass(frozen=True, slots=True)
class StateMessage:
    """Call state for the page: connecting, connected, agent_speaking, listening, ended."""

    state: str
    reason: str | None = None
    type: str = "state"


@dataclass(frozen=True, slots=True)
class ErrorMessage:
    code: ErrorCode
    message: str
    type: str = "error"


ClientMessage = Offer | Candidate | Hangup
ServerMessage = Answer | StateMessage | ErrorMessage

MAX_SDP_CHARS = 64 * 1024


def encode(message: ServerMessage) -> str:
    return json.dumps({k: v for k, v in asdict(message).items() if v is not None})


def _str_field(obj: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = obj.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise SignallingError(ErrorCode.BAD_MESSAGE, f"'{name}' must be a string")
    return value


def validate_audio_offer(sdp: str) -> None:
    """Accept only SDP offers with an audio section; reject anything that is not SDP at all."""
    if len(sdp) > MAX_SDP_CHARS:
        raise SignallingError(ErrorCode.BAD_SDP, "SDP too large")
    lines = sdp.replace("\r\n", "\n").split("\n")
    if not lines or not lines[0].startswith("v=0"):
        raise SignallingError(ErrorCode.BAD_SDP, "SDP must start with v=0")
    media = [line for line in lines if line.startswith("m=")]
    if not any(line.startswith("m=audio ") for line in media):
        raise SignallingError(ErrorCode.BAD_SDP, "offer has no audio section")


def parse_client_message(raw: str) -> ClientMessage:
    try:
        obj = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise SignallingError(ErrorCode.BAD_JSON, "message is not valid JSON") from exc
    if not isinstance(obj, dict):
        raise SignallingError(ErrorCode.BAD_MESSAGE, "message must be a JSON object")
    kind = obj.get("type")
    if kind == "offer":
        sdp = _str_field(obj, "sdp")
        assert sdp is not None
        validate_audio_offer(sdp)
        caller = _str_field(obj, "caller", required=False)
        return Offer(sdp=sdp, caller=caller[:64] if caller else None)
    if kind == "candidate":
        cand = _str_field(obj, "candidate")
        assert cand is not None
        mid = _str_field(obj, "sdpMid", required=False)
        index = obj.get("sdpMLineIndex")
        if index is not None and not isinstance(index, int):
            raise SignallingError(ErrorCode.BAD_MESSAGE, "'sdpMLineIndex' must be an integer")
        return Candidate(candidate=cand, sdp_mid=mid, sdp_mline_index=index)
    if kind == "hangup":
        return Hangup()
    raise SignallingError(ErrorCode.UNKNOWN_TYPE, f"unknown message type {kind!r}")
