"""One run of a tool: its validated arguments (typed getters), context, session and hotel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.hotel.models import Hotel
from server.tools.context import ToolContext
from server.tools.results import ToolErrorCode, ToolFailure


@dataclass
class Invocation:
    tool: str
    args: Args
    ctx: ToolContext
    session: AsyncSession | None  # None for tools that do not use the database
    hotel: Hotel | None

    @property
    def db(self) -> AsyncSession:
        assert self.session is not None, f"{self.tool} is registered with uses_db=False"
        return self.session

    @property
    def the_hotel(self) -> Hotel:
        assert self.hotel is not None
        return self.hotel


class Args:
    """Typed access to schema-validated arguments; bad values raise ToolFailure with a question."""

    def __init__(self, values: Mapping[str, Any], questions: Mapping[str, str]) -> None:
        self._values = dict(values)
        self._questions = questions

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def raw(self) -> dict[str, Any]:
        return dict(self._values)

    def question(self, name: str) -> str:
        return self._questions.get(name, f"Could you tell me the {name.replace('_', ' ')}?")

    def missing(self, name: str, message: str | None = None) -> ToolFailure:
        return ToolFailure(ToolErrorCode.MISSING_ARGUMENT,
                           message or f"I need the {name.replace('_', ' ')}.",
                           question=self.question(name), field=name,
                           speech=self.question(name) if message is None else None)

    def invalid(self, name: str, message: str,
                code: ToolErrorCode = ToolErrorCode.INVALID_ARGUMENT) -> ToolFailure:
        return ToolFailure(code, message, question=self.question(name), field=name)

    def opt_text(self, name: str) -> str | None:
        v = self._values.get(name)
        if v is None:
            return None
        s = str(v).strip()
        return s or None

    def text(self, name: str) -> str:
        v = self.opt_text(name)
        if v is None:
            raise self.missing(name)
        return v

    def opt_integer(self, name: str) -> int | None:
        v = self._values.get(name)
        return None if v is None else int(v)

    def integer(self, name: str, default: int | None = None) -> int:
        v = self.opt_integer(name)
        if v is None:
            if default is None:
                raise self.missing(name)
            return default
        return v

    def flag(self, name: str, default: bool = False) -> bool:
        v = self._values.get(name)
        return default if v is None else bool(v)

    def array(self, name: str) -> list[Any]:
        v = self._values.get(name)
        return list(v) if isinstance(v, list) else []

    def opt_date(self, name: str) -> dt.date | None:
        s = self.opt_text(name)
        if s is None:
            return None
        try:
            return dt.date.fromisoformat(s[:10])
        except ValueError:
            raise self.invalid(name, f"I didn't catch that date ({s}).") from None

    def date(self, name: str) -> dt.date:
        d = self.opt_date(name)
        if d is None:
            raise self.missing(name)
        return d

    def opt_datetime(self, name: str, tz: dt.tzinfo) -> dt.datetime | None:
        """ISO date-time; a naive value is taken as hotel-local time."""
        s = self.opt_text(name)
        if s is None:
            return None
        try:
            when = dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
        except ValueError:
            raise self.invalid(name, f"I didn't catch that time ({s}).") from None
        return when.replace(tzinfo=tz) if when.tzinfo is None else when.astimezone(tz)
