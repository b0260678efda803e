"""What a voice tool returns: a typed result the call layer turns into speech and JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeAlias

JSONValue: TypeAlias = (
    str | int | float | bool | list["JSONValue"] | dict[str, "JSONValue"] | None
)
JSONObject: TypeAlias = dict[str, JSONValue]


class ToolErrorCode(StrEnum):
    UNKNOWN_TOOL = "unknown_tool"
    MISSING_ARGUMENT = "missing_argument"
    INVALID_ARGUMENT = "invalid_argument"
    DATE_IN_PAST = "date_in_past"
    INVALID_DATES = "invalid_dates"
    TOO_MANY_GUESTS = "too_many_guests"
    UNKNOWN_ROOM_TYPE = "unknown_room_type"
    UNKNOWN_ROOM = "unknown_room"
    NO_AVAILABILITY = "no_availability"
    UNKNOWN_DEPARTMENT = "unknown_department"
    DEPARTMENT_CLOSED = "department_closed"
    UNKNOWN_MENU_ITEM = "unknown_menu_item"
    UNKNOWN_TOPIC = "unknown_topic"
    NOT_FOUND = "not_found"
    NOT_ALLOWED = "not_allowed"
    CONFIRMATION_REQUIRED = "confirmation_required"
    CONFLICT = "conflict"
    NOT_AVAILABLE_ON_THIS_CALL = "not_available_on_this_call"
    TRANSFER_FAILED = "transfer_failed"
    PROVIDER_UNAVAILABLE = "provider_unavailable"
    PROVIDER_ERROR = "provider_error"
    HOTEL_NOT_CONFIGURED = "hotel_not_configured"
    INTERNAL = "internal"


@dataclass(frozen=True)
class ToolError:
    """Why a tool did not do what was asked, and what to ask the guest next (if anything)."""

    code: ToolErrorCode
    message: str  # for the engine/logs; not necessarily guest-facing
    question: str | None = None  # e.g. "Which date would you like to arrive?"
    field: str | None = None  # the argument at fault, when there is one

    def to_json(self) -> JSONObject:
        return {"code": self.code.value, "message": self.message, "question": self.question,
                "field": self.field}


@dataclass(frozen=True)
class ToolResult:
    tool: str
    ok: bool
    speech: str  # a sentence ready to speak (for errors: the apology plus the question)
    data: JSONObject = field(default_factory=dict)
    error: ToolError | None = None
    end_call: bool = False  # the call layer should hang up after speaking

    def to_json(self) -> JSONObject:
        """The edge form: what goes back to the engine as the function-call output."""
        return {"tool": self.tool, "ok": self.ok, "speech": self.speech, "data": self.data,
                "error": self.error.to_json() if self.error else None,
                "end_call": self.end_call}


def success(tool: str, speech: str, data: JSONObject | None = None, *,
            end_call: bool = False) -> ToolResult:
    return ToolResult(tool=tool, ok=True, speech=speech, data=data or {}, end_call=end_call)


def failure(tool: str, code: ToolErrorCode, message: str, *, question: str | None = None,
            field: str | None = None, speech: str | None = None,
            data: JSONObject | None = None) -> ToolResult:
    """An error result. `speech` defaults to `message` followed by the question."""
    said = speech if speech is not None else " ".join(p for p in (message, question) if p)
    return ToolResult(tool=tool, ok=False, speech=said, data=data or {},
                      error=ToolError(code, message, question, field))


class ToolFailure(Exception):
    """Raised inside a tool to stop and roll back its transaction with a structured error."""

    def __init__(self, code: ToolErrorCode, message: str, *, question: str | None = None,
                 field: str | None = None, speech: str | None = None,
                 data: JSONObject | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.question = question
        self.field = field
        self.speech = speech
        self.data = data

    def result(self, tool: str) -> ToolResult:
        return failure(tool, self.code, self.message, question=self.question, field=self.field,
                       speech=self.speech, data=self.data)
