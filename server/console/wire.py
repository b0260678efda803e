"""The console websocket's wire format (`WS /console/ws`), in one place.

Every message is a JSON object with a `type`. The server pushes the live board (a snapshot,
then call updates, new turns and ends) and answers listen-in offers; the page sends what the
staff member does (watch a call, listen, take over, hand back, accept a transfer).
"""

from __future__ import annotations

import enum
import json
from dataclasses import asdict, dataclass, field
from typing import Any


class ErrorCode(enum.StrEnum):
    BAD_MESSAGE = "bad_message"
    NO_SUCH_CALL = "no_such_call"
    BAD_STATE = "bad_state"
    BAD_SDP = "bad_sdp"
    FORBIDDEN = "forbidden"


@dataclass(frozen=True)
class CallSummary:
    """One row of the live board."""

    id: str
    transport: str
    caller: str | None
    started_at: str
    state: str
    agent_state: str
    engine: str
    intent: str | None
    department: str | None  # the department queue the call waits in, if transferred
    taken_over_by: str | None
    listeners: int
    turns: int


# -- server → page ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Snapshot:
    calls: list[CallSummary]
    staff: str
    role: str
    type: str = "snapshot"


@dataclass(frozen=True)
class CallUpdated:
    call: CallSummary
    type: str = "call_updated"


@dataclass(frozen=True)
class CallEnded:
    call_id: str
    reason: str | None
    type: str = "call_ended"


@dataclass(frozen=True)
class TurnAdded:
    call_id: str
    turn: dict[str, Any]
    type: str = "turn"


@dataclass(frozen=True)
class CallDetail:
    call: CallSummary
    turns: list[dict[str, Any]]
    type: str = "call_detail"


@dataclass(frozen=True)
class ListenAnswer:
    call_id: str
    sdp: str
    type: str = "listen_answer"


@dataclass(frozen=True)
class ControlDone:
    call_id: str
    action: str  # "take_over" | "hand_back" | "stop_listening"
    type: str = "control_done"


@dataclass(frozen=True)
class ErrorMessage:
    code: ErrorCode
    message: str
    type: str = "error"


ServerMessage = (Snapshot | CallUpdated | CallEnded | TurnAdded | CallDetail | ListenAnswer
                 | ControlDone | ErrorMessage)


def encode(message: ServerMessage) -> str:
    return json.dumps(asdict(message))


# -- page → server ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Watch:
    """Send me this call's transcript (then its turns as they come)."""

    call_id: str


@dataclass(frozen=True)
class Listen:
    """An SDP offer for a listen-in peer; with a microphone track it can later take over."""

    call_id: str
    sdp: str


@dataclass(frozen=True)
class StopListening:
    call_id: str


@dataclass(frozen=True)
class TakeOver:
    call_id: str


@dataclass(frozen=True)
class HandBack:
    call_id: str


ClientMessage = Watch | Listen | StopListening | TakeOver | HandBack

_CLIENT: dict[str, type[ClientMessage]] = {
    "watch": Watch, "listen": Listen, "stop_listening": StopListening,
    "take_over": TakeOver, "hand_back": HandBack,
}


@dataclass
class BadMessage(Exception):
    message: str
    details: dict[str, Any] = field(default_factory=dict)


def parse_client_message(text: str) -> ClientMessage:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BadMessage("not JSON") from exc
    if not isinstance(data, dict):
        raise BadMessage("a message is a JSON object")
    kind = _CLIENT.get(str(data.get("type")))
    if kind is None:
        raise BadMessage(f"unknown message type {data.get('type')!r}")
    call_id = data.get("call_id")
    if not isinstance(call_id, str) or not 0 < len(call_id) <= 64:
        raise BadMessage("call_id must be a string")
    if kind is Listen:
        sdp = data.get("sdp")
        if not isinstance(sdp, str) or not sdp.startswith("v=0"):
            raise BadMessage("listen needs an SDP offer")
        return Listen(call_id, sdp)
    return kind(call_id)  # type: ignore[call-arg]
