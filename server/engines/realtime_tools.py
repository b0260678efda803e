"""One model function call → `execute_voice_tool` → (result for the model, `ToolCall` for the
transcript). Shared by the Realtime engine and the chat dialogue."""

from __future__ import annotations

import json
from typing import Any

from media.engine import ToolCall
from server.tools import ToolContext, ToolErrorCode, ToolResult, execute_voice_tool
from server.tools.results import failure


async def run_tool_call(name: str, arguments: str, ctx: ToolContext
                        ) -> tuple[ToolResult, ToolCall]:
    """Run a call whose arguments are the model's raw JSON text. Invalid JSON, a non-object or
    arguments failing the schema all come back as the tool's structured error (never raises)."""
    try:
        args: Any = json.loads(arguments) if arguments.strip() else {}
    except ValueError:
        args = None
        result = failure(name, ToolErrorCode.INVALID_ARGUMENT,
                         "The arguments were not valid JSON.", speech="Sorry, I didn't get that.")
    else:
        result = await execute_voice_tool(name, args, ctx)
    shown = args if isinstance(args, dict) else {"raw": arguments[:500]}
    call = ToolCall(name=name, arguments=shown, ok=result.ok,
                    error_code=result.error.code.value if result.error else None,
                    result=result.data)
    return result, call


def tool_output(result: ToolResult) -> str:
    """The `function_call_output` / tool message text: the result's edge JSON."""
    return json.dumps(result.to_json(), default=str)
