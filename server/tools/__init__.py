"""Voice tools: one registry of schemas + handlers, executed by `execute_voice_tool`."""

from server.tools.context import CallHooks, CapturedAudio, ToolContext, TransferTarget
from server.tools.executor import execute_voice_tool
from server.tools.registry import ToolSpec, get_tool, tool_names, tool_schemas
from server.tools.results import ToolError, ToolErrorCode, ToolResult

__all__ = [
    "CallHooks",
    "CapturedAudio",
    "ToolContext",
    "ToolError",
    "ToolErrorCode",
    "ToolResult",
    "ToolSpec",
    "TransferTarget",
    "execute_voice_tool",
    "get_tool",
    "tool_names",
    "tool_schemas",
]
