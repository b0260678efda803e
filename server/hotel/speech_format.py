"""Say dates, times, money, room and phone numbers the way a receptionist would (pure functions).

>>> say_date(dt.date(2026, 12, 4))
'Friday the 4th of December'
>>> say_time(dt.time(15, 30))
'half past three in the afternoon'
>>> say_money(12000)
'one hundred and twenty pounds'
>>> say_room("305")
'room three oh five'
>>> say_phone("+447700900101")
'oh seven seven hundred, nine hundred, one oh one'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

_ONES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_DIGITS = ("oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def say_number(n: int) -> str:
    """British English cardinal: 120 -> 'one hundred and twenty'."""
    if n < 0:
        return "minus " + say_number(-n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" and {say_number(rest)}" if rest else "")
    for size, word in ((1_000_000_000, "billion"), (1_000_000, "million"), (1000, "thousand")):
        if n >= size:
            big, rest = divmod(n, size)
            head = f"{say_number(big)} {word}"
            if not rest:
                return head
            return head + (" and " if rest < 100 else " ") + say_number(rest)
    raise AssertionError(n)


def ordinal_suffix(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


def say_date(day: dt.date, *, today: dt.date | None = None, weekday: bool = True) -> str:
    """'Friday the 4th of December'; adds the year when it differs from `today`'s."""
    text = f"the {ordinal_suffix(day.day)} of {day.strftime('%B')}"
    if weekday:
        text = f"{day.strftime('%A')} {text}"
    if today is not None and day.year != today.year:
        text += f" {day.year}"
    return text


def say_relative_date(day: dt.date, today: dt.date) -> str:
    """'today', 'tomorrow', or the full date."""
    if day == today:
        return "today"
    if day == today + dt.timedelta(days=1):
        return "tomorrow"
    return say_date(day, today=today)


def _hour_word(hour: int) -> str:
    h = hour % 12
    return say_number(12 if h == 0 else h)


def _period(hour: int) -> str:
    if hour < 12:
        return "in the morning"
    if hour < 18:
        return "in the afternoon"
    return "in the evening"


def say_time(t: dt.time) -> str:
    """'half past three in the afternoon', 'quarter to eight in the morning', 'midday'."""
    h, m = t.hour, t.minute
    if m == 0 and h == 0:
        return "midnight"
    if m == 0 and h == 12:
        return "midday"
    if m == 0:
        return f"{_hour_word(h)} o'clock {_period(h)}"
    if m == 15:
        return f"quarter past {_hour_word(h)} {_period(h)}"
    if m == 30:
        return f"half past {_hour_word(h)} {_period(h)}"
    nxt = (h + 1) % 24
    nxt_word = "midnight" if nxt == 0 else "midday" if nxt == 12 else _hour_word(nxt)
    nxt_period = "" if nxt in (0, 12) else f" {_period(nxt)}"
    if m == 45:
        return f"quarter to {nxt_word}{nxt_period}"
    if m < 30:
        unit = "" if m % 5 == 0 else (" minute" if m == 1 else " minutes")
        return f"{say_number(m)}{unit} past {_hour_word(h)} {_period(h)}"
    left = 60 - m
    unit = "" if left % 5 == 0 else (" minute" if left == 1 else " minutes")
    return f"{say_number(left)}{unit} to {nxt_word}{nxt_period}"


def say_datetime(when: dt.datetime, *, today: dt.date | None = None) -> str:
    day = say_relative_date(when.date(), today) if today else say_date(when.date())
    return f"{day} at {say_time(when.time())}"


def say_money(pence: int) -> str:
    """GBP: 12000 -> 'one hundred and twenty pounds', 1450 -> 'fourteen pounds fifty'."""
    pounds, p = divmod(abs(pence), 100)
    sign = "minus " if pence < 0 else ""
    if pounds == 0 and p == 0:
        return "nothing"
    if pounds == 0:
        return f"{sign}{say_number(p)} pence"
    text = f"{say_number(pounds)} {'pound' if pounds == 1 else 'pounds'}"
    if p:
        text += f" {say_number(p)}"
    return sign + text


def say_digits(digits: str) -> str:
    """Digit by digit, zero as 'oh', with a trailing 'X00' said as 'X hundred'."""
    words: list[str] = []
    i = 0
    while i < len(digits):
        if (i == len(digits) - 3 and digits[i] != "0" and digits[i + 1:] == "00"):
            words.append(f"{say_number(int(digits[i]))} hundred")
            break
        words.append(_DIGITS[int(digits[i])])
        i += 1
    return " ".join(words)


def say_room(number: str | int) -> str:
    """'room three oh five', 'room one twelve', 'room five hundred'."""
    s = str(number)
    if not s.isdigit():
        return f"room {s}"
    if len(s) == 3:
        head, tail = s[0], s[1:]
        if tail == "00":
            rest = f"{say_number(int(head))} hundred"
        elif tail[0] == "0":
            rest = f"{say_number(int(head))} oh {say_number(int(tail[1]))}"
        else:
            rest = f"{say_number(int(head))} {say_number(int(tail))}"
        return f"room {rest}"
    if len(s) <= 2:
        return f"room {say_number(int(s))}"
    return f"room {say_digits(s)}"


def _national_groups(e164: str) -> Sequence[str]:
    """UK numbers in their usual written groups; other numbers in threes and fours."""
    digits = "".join(c for c in e164 if c.isdigit())
    if e164.startswith("+44"):
        national = "0" + digits[2:]
        if national.startswith("02") and len(national) == 11:
            return (national[:3], national[3:7], national[7:])
        if len(national) == 11:
            return (national[:5], national[5:8], national[8:])
        return (national,)
    groups = [digits[i:i + 3] for i in range(0, len(digits), 3)]
    return ("plus " + groups[0], *groups[1:]) if e164.startswith("+") else groups


def say_phone(number: str) -> str:
    """'+447700900101' -> 'oh seven seven hundred, nine hundred, one oh one'."""
    parts = []
    for group in _national_groups(number):
        prefix = ""
        if group.startswith("plus "):
            prefix, group = "plus ", group[5:]
        parts.append(prefix + say_digits(group))
    return ", ".join(parts)


def say_code(code: str) -> str:
    """A confirmation code spelled out: 'MRG4X7' -> 'M, R, G, 4, X, 7'."""
    return ", ".join(code.upper())


def say_nights(n: int) -> str:
    return f"{say_number(n)} {'night' if n == 1 else 'nights'}"


def say_guests(n: int) -> str:
    return f"{say_number(n)} {'guest' if n == 1 else 'guests'}"


def say_list(items: Sequence[str]) -> str:
    """'a, b and c'."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]
