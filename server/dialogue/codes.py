"""Booking codes that sound like the one heard.

Spelled codes are said as letter names, and letter names that differ in one consonant are what
a recognizer (and a receptionist on a bad line) gets wrong: "en" / "em", the E-set "bee",
"dee", "pee", "tee", ..., "ef" / "es". When no booking has the code heard, a receptionist would
look for a booking whose code differs in one such letter; `soundalike_code` does that, and only
answers when exactly one booking matches. The flows then read the code they found back to the
guest and ask before changing or cancelling anything.
"""

from __future__ import annotations

from sqlalchemy import select

from server.dialogue.conversation import Conversation
from server.hotel.booking import CODE_ALPHABET, normalize_code
from server.hotel.models import Hotel, Reservation

# Code characters whose spoken names are easily confused (one consonant apart, or a shared
# vowel and a weak consonant). "8" / "X": the recognizer hears "eight" as "x" in spelled codes.
SOUNDALIKE_GROUPS: tuple[str, ...] = ("MN", "BCDEGPTVZ", "FSX", "AJK", "QU", "8X")


def _alike(ch: str) -> set[str]:
    return {c for group in SOUNDALIKE_GROUPS if ch in group for c in group
            if c != ch and c in CODE_ALPHABET}


def soundalike_variants(code: str) -> list[str]:
    """Every code that differs from `code` in one character, by a sound-alike one."""
    code = normalize_code(code)
    return sorted({code[:i] + alt + code[i + 1:]
                   for i, ch in enumerate(code) for alt in _alike(ch)})


async def soundalike_code(conv: Conversation, heard: str) -> str | None:
    """The one existing booking code that sounds like `heard` (None if none, or several)."""
    variants = soundalike_variants(heard)
    if not variants:
        return None
    async with conv.ctx.db.session() as s:
        hotel = await s.scalar(select(Hotel).order_by(Hotel.id).limit(1))
        if hotel is None:
            return None
        found = list((await s.scalars(select(Reservation.code).where(
            Reservation.hotel_id == hotel.id, Reservation.code.in_(variants)))).all())
    return found[0] if len(found) == 1 else None
