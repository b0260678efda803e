"""What a tool may use: the database, the call's identity, a clock, and the call layer's hooks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from server.db.database import Database
from server.hotel.hold_music import HoldMusic
from server.hotel.phones import to_e164

if TYPE_CHECKING:
    from server.outbound import Outbound


@dataclass(frozen=True)
class TransferTarget:
    department: str  # key, e.g. "reservations"
    name: str  # spoken name, e.g. "reservations"
    extension: str
    reason: str
    transfer_id: int  # the Transfer row


@dataclass(frozen=True)
class CapturedAudio:
    """Recent caller audio: mono int16 little-endian PCM."""

    pcm: bytes
    sample_rate: int


class CallHooks(Protocol):
    """What the live call layer offers the tools. Each returns False if it could not do it."""

    async def play_hold_music(self, music: HoldMusic) -> bool:
        """Loop `music` to the caller until the agent or a human speaks again."""
        ...

    async def speak_announcement(self, text: str) -> bool:
        """Speak staff-provided text into the live call now."""
        ...

    async def transfer(self, target: TransferTarget) -> bool:
        """Move the call to a department (redirect a phone call, or queue it for staff)."""
        ...

    async def caller_audio(self, seconds: float) -> CapturedAudio | None:
        """The caller's last `seconds` of audio, or None when none is kept."""
        ...


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class ToolContext:
    db: Database
    call_id: str | None = None
    caller: str | None = None  # caller id as received; see `caller_e164`
    clock: Callable[[], dt.datetime] = utc_now  # aware datetimes; injectable for tests
    timezone: str = "Europe/London"
    hooks: CallHooks | None = None
    outbound: Outbound | None = None  # None: no SMS/voice provider configured
    voice_notes_dir: Path = field(default_factory=lambda: Path("var/voice_notes"))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def caller_e164(self) -> str | None:
        return to_e164(self.caller)

    def now(self) -> dt.datetime:
        """Now, in the hotel's time zone."""
        return self.clock().astimezone(self.tz)

    def today(self) -> dt.date:
        return self.now().date()
