"""The one list of voice tools: name, description, JSON schema of the arguments, and handler.

The same schemas go to the OpenAI Realtime API (as function definitions) and to the offline
dialogue manager, and `execute_voice_tool` validates against them.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from server.tools.results import JSONObject, ToolErrorCode, ToolResult

if TYPE_CHECKING:
    from server.tools.invocation import Invocation

Handler = Callable[["Invocation"], Awaitable[ToolResult]]


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    parameters: Mapping[str, Any]  # JSON schema (type: object)
    handler: Handler
    questions: Mapping[str, str] = field(default_factory=dict)  # per argument: what to ask
    invalid_codes: Mapping[str, ToolErrorCode] = field(default_factory=dict)
    uses_db: bool = True
    retry_on_conflict: bool = False  # re-run the whole transaction on a unique-key race

    def function_definition(self) -> JSONObject:
        """OpenAI Realtime `session.tools` entry."""
        return {"type": "function", "name": self.name, "description": self.description,
                "parameters": copy.deepcopy(dict(self.parameters))}


_REGISTRY: dict[str, ToolSpec] = {}


def register(spec: ToolSpec) -> ToolSpec:
    if spec.name in _REGISTRY:
        raise ValueError(f"tool {spec.name!r} registered twice")
    _REGISTRY[spec.name] = spec
    return spec


def tool(name: str, description: str, properties: Mapping[str, Any],
         required: tuple[str, ...] = (), *, questions: Mapping[str, str] | None = None,
         invalid_codes: Mapping[str, ToolErrorCode] | None = None, uses_db: bool = True,
         retry_on_conflict: bool = False) -> Callable[[Handler], Handler]:
    """Decorator: register a handler with its argument schema."""
    schema: dict[str, Any] = {"type": "object", "properties": dict(properties),
                              "required": list(required), "additionalProperties": False}

    def wrap(handler: Handler) -> Handler:
        register(ToolSpec(name, description, schema, handler, questions or {},
                          invalid_codes or {}, uses_db, retry_on_conflict))
        return handler

    return wrap


def _load() -> None:
    # Importing the tool modules registers them.
    import server.tools.booking_tools
    import server.tools.call_control_tools
    import server.tools.caller_tools
    import server.tools.messaging_tools
    import server.tools.service_tools  # noqa: F401


def get_tool(name: str) -> ToolSpec | None:
    _load()
    return _REGISTRY.get(name)


def all_tools() -> list[ToolSpec]:
    _load()
    return list(_REGISTRY.values())


def tool_names() -> list[str]:
    return [t.name for t in all_tools()]


def tool_schemas(*, style: str = "realtime") -> list[JSONObject]:
    """Function definitions for every tool.

    style="realtime": `{"type": "function", "name", "description", "parameters"}` (Realtime API);
    style="chat": `{"type": "function", "function": {...}}` (Chat Completions).
    """
    defs = [t.function_definition() for t in all_tools()]
    if style == "chat":
        return [{"type": "function", "function": {k: v for k, v in d.items() if k != "type"}}
                for d in defs]
    return defs
