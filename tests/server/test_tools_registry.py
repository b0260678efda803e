"""The tool registry's schemas and `execute_voice_tool`'s guarantees (validation, no raising)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from server.db.database import Database
from server.db.migrate import upgrade
from server.tools import (
    ToolContext,
    ToolErrorCode,
    ToolResult,
    execute_voice_tool,
    get_tool,
    registry,
    tool_names,
    tool_schemas,
)
from server.tools.invocation import Invocation
from tests.server.conftest import MakeCtx, run, sqlite_url

EXPECTED = {
    "transfer_to_human", "play_hold_music", "send_sms_confirmation", "schedule_callback",
    "handle_ivr_menu", "get_caller_history", "record_voice_note", "announce_to_session",
    "format_for_voice", "check_availability", "make_reservation", "find_reservation",
    "modify_reservation", "cancel_reservation", "request_housekeeping", "order_room_service",
    "hotel_info", "end_call",
}


def test_every_tool_has_a_valid_openai_function_definition() -> None:
    defs = tool_schemas()
    assert {d["name"] for d in defs} == EXPECTED == set(tool_names())
    for d in defs:
        assert set(d) == {"type", "name", "description", "parameters"}
        assert d["type"] == "function" and isinstance(d["description"], str)
        assert len(str(d["description"])) > 20
        params = d["parameters"]
        assert isinstance(params, dict) and params["type"] == "object"
        Draft202012Validator.check_schema(params)
        required = params["required"]
        assert isinstance(required, list) and isinstance(params["properties"], dict)
        assert set(required) <= set(params["properties"])
    json.dumps(defs)  # plain JSON


def test_chat_style_definitions() -> None:
    chat = tool_schemas(style="chat")
    assert all(set(d) == {"type", "function"} for d in chat)
    first = chat[0]["function"]
    assert isinstance(first, dict) and {"name", "description", "parameters"} == set(first)


def test_schemas_are_copies() -> None:
    d = tool_schemas()[0]
    params = d["parameters"]
    assert isinstance(params, dict)
    params["properties"] = {}
    assert tool_schemas()[0]["parameters"] != params


async def test_unknown_tool_and_bad_arguments(make_ctx: MakeCtx) -> None:
    ctx = make_ctx()
    r = await execute_voice_tool("book_spa", {}, ctx)
    assert not r.ok and r.error and r.error.code is ToolErrorCode.UNKNOWN_TOOL
    r = await execute_voice_tool("hotel_info", ["wifi"], ctx)  # type: ignore[arg-type]
    assert r.error and r.error.code is ToolErrorCode.INVALID_ARGUMENT
    r = await execute_voice_tool("hotel_info", {"topic": 7}, ctx)
    assert r.error and r.error.code is ToolErrorCode.INVALID_ARGUMENT
    r = await execute_voice_tool("check_availability", {"check_in": "2026-12-04",
                                                        "nights": "two"}, ctx)
    assert r.error and r.error.code is ToolErrorCode.INVALID_ARGUMENT and r.error.field == "nights"
    assert r.speech == "How many nights would you like to stay?"


async def test_nulls_and_unknown_keys_are_ignored(make_ctx: MakeCtx) -> None:
    r = await execute_voice_tool("hotel_info", {"topic": "gym", "language": "en",
                                                "extra": None}, make_ctx())
    assert r.ok
    r = await execute_voice_tool("end_call", None, make_ctx())
    assert r.ok and r.end_call
    r = await execute_voice_tool("check_availability", {"check_in": "2026-12-04",
                                                        "nights": 1, "room_type": None,
                                                        "guests": None}, make_ctx())
    assert r.ok


async def test_a_crashing_tool_returns_an_internal_error(make_ctx: MakeCtx,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    spec = get_tool("hotel_info")
    assert spec is not None

    async def boom(inv: Invocation) -> ToolResult:
        raise RuntimeError("kaboom")

    monkeypatch.setitem(registry._REGISTRY, "hotel_info", dataclasses.replace(spec, handler=boom))
    r = await execute_voice_tool("hotel_info", {"topic": "gym"}, make_ctx())
    assert not r.ok and r.error and r.error.code is ToolErrorCode.INTERNAL
    assert "kaboom" not in r.speech


async def test_without_a_hotel(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "empty.db")
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    try:
        r = await execute_voice_tool("hotel_info", {"topic": "gym"}, ToolContext(db=db))
        assert r.error and r.error.code is ToolErrorCode.HOTEL_NOT_CONFIGURED
    finally:
        await db.dispose()


async def test_database_down_is_an_error_not_an_exception(tmp_path: Path) -> None:
    db = Database(sqlite_url(tmp_path / "missing-tables.db"))  # never migrated
    try:
        r = await execute_voice_tool("hotel_info", {"topic": "gym"}, ToolContext(db=db))
        assert r.error and r.error.code is ToolErrorCode.INTERNAL
    finally:
        await db.dispose()


async def test_results_serialise_to_json(make_ctx: MakeCtx) -> None:
    for name, args in [("hotel_info", {"topic": "wifi"}), ("hotel_info", {}),
                       ("find_reservation", {"confirmation_code": "CRT8N2"})]:
        r = await run(make_ctx(), name, **args)
        out = json.loads(json.dumps(r.to_json()))
        assert out["tool"] == name and out["ok"] is r.ok and out["speech"] == r.speech
        if r.error is not None:
            assert out["error"]["code"] == r.error.code.value
