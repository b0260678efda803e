"""The live board's "what is this call about": every voice tool is named, by its real name."""

from __future__ import annotations

from media.engine import Role, ToolCall, TranscriptTurn
from server.console.intents import _NOT_INTENTS, _TOOL_INTENTS, guess_intent
from server.tools import tool_names


def _agent_turn(*calls: ToolCall) -> TranscriptTurn:
    return TranscriptTurn(role=Role.AGENT, text="", started_at=0.0, ended_at=1.0,
                          tool_calls=calls)


def test_every_tool_either_names_an_intent_or_is_left_out() -> None:
    """The map had drifted from the registry ("create_reservation" for make_reservation), so
    the board showed raw tool names instead of "booking"."""
    assert set(_TOOL_INTENTS) | _NOT_INTENTS == set(tool_names())
    assert not set(_TOOL_INTENTS) & _NOT_INTENTS


def test_the_last_telling_tool_names_the_intent() -> None:
    booked = ToolCall("make_reservation", {}, ok=True)
    history = ToolCall("get_caller_history", {}, ok=True)
    assert guess_intent(_agent_turn(booked, history), None) == "booking"
    assert guess_intent(_agent_turn(history), "transfer") == "transfer"  # kept
    fault = ToolCall("request_housekeeping", {"kind": "maintenance"}, ok=True)
    assert guess_intent(_agent_turn(fault), None) == "maintenance"
    towels = ToolCall("request_housekeeping", {"items": ["towels"]}, ok=True)
    assert guess_intent(_agent_turn(towels), None) == "housekeeping"
    guest = TranscriptTurn(role=Role.GUEST, text="I'd like to cancel", started_at=0.0,
                           ended_at=1.0)
    assert guess_intent(guest, None) == "cancellation"
