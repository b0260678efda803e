"""Phone numbers to E.164 (UK default), enough for callers, guests and SMS recipients."""

from __future__ import annotations

import re


def to_e164(raw: str | None, default_country: str = "44") -> str | None:
    """'+44 7700 900101', '07700 900101', '00447700900101' -> '+447700900101'; None if unusable."""
    if not raw:
        return None
    s = raw.strip()
    if s.lower().startswith(("tel:", "sip:")):
        s = s[4:].split("@", 1)[0]
    s = s.replace("(0)", "")  # "+44 (0)7700 ...": the national trunk zero is not dialled
    plus = s.startswith("+")
    digits = re.sub(r"\D", "", s)
    if not digits:
        return None
    if plus:
        e164 = "+" + digits
    elif digits.startswith("00"):
        e164 = "+" + digits[2:]
    elif digits.startswith("0"):
        e164 = f"+{default_country}{digits[1:]}"
    elif digits.startswith(default_country) and len(digits) >= 11:
        e164 = "+" + digits
    else:
        return None
    return e164 if 8 <= len(e164) - 1 <= 15 else None
