"""`execute_voice_tool`: validate, run in its own transaction, and always return a ToolResult."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from server.hotel.models import Hotel
from server.tools.context import ToolContext
from server.tools.invocation import Args, Invocation
from server.tools.registry import ToolSpec, get_tool, tool_names
from server.tools.results import ToolErrorCode, ToolFailure, ToolResult, failure

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
_DEFAULT_SPEECH = "I'm sorry, I can't help with that."
_CODE_SPEECH = {
    ToolErrorCode.INVALID_DATES: "The stay needs to be at least one night.",
    ToolErrorCode.UNKNOWN_TOPIC: "I'm afraid I don't have information about that.",
}
_validators: dict[str, Draft202012Validator] = {}


class _Retry(Exception):
    """A transient race (unique key taken, SQLite busy, deadlock): run the transaction again."""


def _validator(spec: ToolSpec) -> Draft202012Validator:
    v = _validators.get(spec.name)
    if v is None:
        v = Draft202012Validator(dict(spec.parameters), format_checker=FormatChecker())
        _validators[spec.name] = v
    return v


def _clean(spec: ToolSpec, args: Mapping[str, Any] | None) -> dict[str, Any]:
    """Drop nulls/empty strings (engines send them for 'not given') and unknown keys."""
    known = spec.parameters.get("properties", {})
    out: dict[str, Any] = {}
    for key, value in (args or {}).items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if key not in known:
            log.warning("tool %s: ignoring unknown argument %r", spec.name, key)
            continue
        out[key] = value
    return out


def _validation_failure(spec: ToolSpec, args: dict[str, Any],
                        error: ValidationError) -> ToolResult:
    q = Args(args, spec.questions)
    if error.validator == "required" and not error.path:
        required: list[str] = list(spec.parameters.get("required", []))
        missing = [r for r in required if r not in args]
        first = missing[0] if missing else "details"
        return failure(spec.name, ToolErrorCode.MISSING_ARGUMENT, f"Missing {first}.",
                       question=q.question(first), field=first, speech=q.question(first))
    name = str(error.path[0]) if error.path else None
    code = ToolErrorCode.INVALID_ARGUMENT
    if error.validator in ("enum", "minimum", "maximum"):  # a value, not a type, problem
        code = spec.invalid_codes.get(name or "", code)
    what = name.replace("_", " ") if name else "request"
    message = f"That {what} isn't valid: {error.message}."
    question = q.question(name) if name else None
    speech = question or "Sorry, I didn't get that."
    if code is not ToolErrorCode.INVALID_ARGUMENT:
        speech = f"{_CODE_SPEECH.get(code, _DEFAULT_SPEECH)} {speech}"
    return failure(spec.name, code, message, question=question, field=name, speech=speech)


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, IntegrityError):
        return True
    if isinstance(exc, OperationalError) and "locked" in str(exc).lower():
        return True
    if isinstance(exc, DBAPIError):
        text = f"{type(exc.orig).__name__} {exc.orig}".lower()
        return "deadlock" in text or "serializ" in text
    return False


async def _run_once(spec: ToolSpec, args: Args, ctx: ToolContext) -> ToolResult:
    if not spec.uses_db:
        return await spec.handler(Invocation(spec.name, args, ctx, None, None))
    try:
        async with ctx.db.session() as session:
            hotel = await session.scalar(select(Hotel).order_by(Hotel.id).limit(1))
            if hotel is None:
                raise ToolFailure(ToolErrorCode.HOTEL_NOT_CONFIGURED, "No hotel is configured.",
                                  speech="I'm sorry, I can't look that up right now.")
            result = await spec.handler(Invocation(spec.name, args, ctx, session, hotel))
            await session.flush()
        return result
    except (IntegrityError, OperationalError, DBAPIError) as exc:
        if spec.retry_on_conflict and _is_transient(exc):
            raise _Retry() from exc
        raise


async def execute_voice_tool(name: str, args: Mapping[str, Any] | None,
                             context: ToolContext) -> ToolResult:
    """Run one tool call from the engine. Never raises (except cancellation)."""
    started = time.perf_counter()
    spec = get_tool(name)
    if spec is None:
        return failure(name, ToolErrorCode.UNKNOWN_TOOL, f"There is no tool called {name!r}.",
                       speech="Sorry, I can't do that.",
                       data={"available": list(tool_names())})
    if args is not None and not isinstance(args, Mapping):
        return failure(name, ToolErrorCode.INVALID_ARGUMENT, "Arguments must be an object.",
                       speech="Sorry, I didn't get that.")
    clean = _clean(spec, args)
    error = best_match(_validator(spec).iter_errors(clean))
    if error is not None:
        return _validation_failure(spec, clean, error)
    typed = Args(clean, spec.questions)
    result: ToolResult | None = None
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            result = await _run_once(spec, typed, context)
            break
        except ToolFailure as f:
            result = f.result(name)
            break
        except _Retry as r:
            log.info("tool %s: transient conflict (%s), attempt %d", name, r.__cause__, attempt)
            await asyncio.sleep(random.uniform(0.002, 0.02) * attempt)
        except Exception:
            log.exception("tool %s failed", name)
            result = failure(name, ToolErrorCode.INTERNAL, "The tool failed unexpectedly.",
                             speech="I'm sorry, something went wrong on my side. "
                                    "Let me try to help another way.")
            break
    if result is None:
        result = failure(name, ToolErrorCode.CONFLICT, "Too many concurrent changes; gave up.",
                         speech="I'm sorry, that didn't go through. Shall I try again?",
                         question="Shall I try again?")
    log.info("tool %s ok=%s in %.1f ms", name, result.ok, (time.perf_counter() - started) * 1e3)
    return result
