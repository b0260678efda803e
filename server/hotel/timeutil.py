"""Datetimes are stored in UTC; SQLite hands them back naive, PostgreSQL aware."""

from __future__ import annotations

import datetime as dt


def as_utc(value: dt.datetime) -> dt.datetime:
    """An aware UTC datetime (naive values are taken as UTC, as they were stored)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)
