"""How the Realtime engine reads failures: reconnect, reconnect at once, or give up (fail over)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from openai import AuthenticationError, PermissionDeniedError
from websockets.exceptions import InvalidStatus


class Fault(enum.Enum):
    BENIGN = "benign"  # e.g. cancelling a response that already finished: log and go on
    RECOVERABLE = "recoverable"  # a request the API refused; the session lives on
    SESSION_ENDED = "session_ended"  # the session hit its length limit: reconnect with summary
    FATAL = "fatal"  # auth, quota, no such model: no point retrying, fail over now


class RealtimeError(Exception):
    """Base for the engine's own failures."""


class SessionEnded(RealtimeError):
    """The server ended the session (length limit); reconnect at once and resume."""


class FatalRealtimeError(RealtimeError):
    """Retrying cannot help (bad key, no quota): the call should fail over."""


class RealtimeUnavailable(RealtimeError):
    """The Realtime API could not be (re)connected; the call should fail over."""


_FATAL_CODES = frozenset({
    "invalid_api_key", "insufficient_quota", "account_deactivated",
    "billing_hard_limit_reached", "model_not_found", "unauthorized", "permission_denied",
})
_FATAL_TYPES = frozenset({"authentication_error", "permission_error", "insufficient_quota"})
_SESSION_CODES = frozenset({"session_expired", "session_ended", "session_duration_exceeded"})
_BENIGN_CODES = frozenset({"response_cancel_not_active", "item_truncate_invalid_item_id"})


def classify_error(error: Mapping[str, Any]) -> Fault:
    """An `error` event's `error` object → what to do about it."""
    code = str(error.get("code") or "")
    kind = str(error.get("type") or "")
    message = str(error.get("message") or "").lower()
    if code in _FATAL_CODES or kind in _FATAL_TYPES:
        return Fault.FATAL
    if code in _SESSION_CODES or "maximum duration" in message:
        return Fault.SESSION_ENDED
    if code in _BENIGN_CODES:
        return Fault.BENIGN
    return Fault.RECOVERABLE


def is_fatal_exception(exc: BaseException) -> bool:
    """A failed handshake that retrying will not fix (401/403), or the SDK saying so."""
    if isinstance(exc, AuthenticationError | PermissionDeniedError | FatalRealtimeError):
        return True
    if isinstance(exc, InvalidStatus):
        return exc.response.status_code in (401, 403)
    return False
