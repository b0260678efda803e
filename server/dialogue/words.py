"""Recognizer text as tokens, and numbers said as words ("twenty one", "a couple of", "oh").

The speech recognizer gives lower-case words with digits spelled out and no punctuation; typed
test input may still carry digits or ordinals like "4th", so both are accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

UNITS = {"zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
         "seven": 7, "eight": 8, "nine": 9}
TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
         "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90}
ORDINAL_UNITS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
                 "seventh": 7, "eighth": 8, "ninth": 9}
ORDINAL_TEENS = {"tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
                 "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17,
                 "eighteenth": 18, "nineteenth": 19}
ORDINAL_TENS = {"twentieth": 20, "thirtieth": 30}
# Words that stand for a small count in "a couple of nights", "a night", "a week".
FUZZY = {"a": 1, "an": 1, "single": 1, "couple": 2, "pair": 2, "few": 3}


def normalize(text: str) -> str:
    """Lower-case words: punctuation dropped, hyphens split, '&' said as 'and'."""
    t = text.lower().replace("&", " and ").replace("-", " ").replace("'", "'")
    t = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1 th", t)  # "4th" -> "4 th" (ordinal digits)
    t = re.sub(r"[^a-z0-9' ]+", " ", t)
    return " ".join(t.split())


def tokens(text: str) -> list[str]:
    return normalize(text).split()


@dataclass(frozen=True)
class NumberMatch:
    """A number found in a token list: its value and the token span [start, end)."""

    value: int
    start: int
    end: int
    ordinal: bool = False


def _cardinal_at(toks: list[str], i: int) -> NumberMatch | None:
    """A cardinal 0..999 starting at toks[i] ("one hundred and twelve", "twenty one", "12")."""
    t = toks[i]
    if t.isdigit():
        return NumberMatch(int(t), i, i + 1)
    if t in TEENS:
        return NumberMatch(TEENS[t], i, i + 1)
    if t in TENS:
        value, end = TENS[t], i + 1
        if end < len(toks) and toks[end] in UNITS and toks[end] not in ("oh", "zero"):
            value, end = value + UNITS[toks[end]], end + 1
        return NumberMatch(value, i, end)
    if t in UNITS and t != "oh":
        value, end = UNITS[t], i + 1
        if end < len(toks) and toks[end] == "hundred":
            value, end = value * 100, end + 1
            if end + 1 < len(toks) and toks[end] == "and":
                rest = _cardinal_at(toks, end + 1)
                if rest is not None and rest.value < 100:
                    value, end = value + rest.value, rest.end
        return NumberMatch(value, i, end)
    return None


def _ordinal_at(toks: list[str], i: int) -> NumberMatch | None:
    """An ordinal 1..31: "fourth", "twenty first", "4 th"."""
    t = toks[i]
    if t.isdigit() and i + 1 < len(toks) and toks[i + 1] == "th":
        return NumberMatch(int(t), i, i + 2, ordinal=True)
    if t in ORDINAL_UNITS:
        return NumberMatch(ORDINAL_UNITS[t], i, i + 1, ordinal=True)
    if t in ORDINAL_TEENS:
        return NumberMatch(ORDINAL_TEENS[t], i, i + 1, ordinal=True)
    if t in ORDINAL_TENS:
        return NumberMatch(ORDINAL_TENS[t], i, i + 1, ordinal=True)
    if t in TENS and i + 1 < len(toks) and toks[i + 1] in ORDINAL_UNITS:
        return NumberMatch(TENS[t] + ORDINAL_UNITS[toks[i + 1]], i, i + 2, ordinal=True)
    return None


def ordinal_at(toks: list[str], i: int) -> NumberMatch | None:
    return _ordinal_at(toks, i) if i < len(toks) else None


def count_at(toks: list[str], i: int) -> NumberMatch | None:
    """A count at toks[i]: a cardinal, or "a"/"an"/"a couple of"/"a few"."""
    if i >= len(toks):
        return None
    t = toks[i]
    if t in ("a", "an") and i + 1 < len(toks) and toks[i + 1] in ("couple", "pair", "few"):
        end = i + 2
        if end < len(toks) and toks[end] == "of":
            end += 1
        return NumberMatch(FUZZY[toks[i + 1]], i, end)
    if t in FUZZY:
        return NumberMatch(FUZZY[t], i, i + 1)
    if t.isdigit() and i + 1 < len(toks) and toks[i + 1] == "th":
        return None
    return _cardinal_at(toks, i)


def numbers(toks: list[str]) -> list[NumberMatch]:
    """Every cardinal in the tokens, left to right (fuzzy words excluded)."""
    out: list[NumberMatch] = []
    i = 0
    while i < len(toks):
        m = None if toks[i] == "oh" else _cardinal_at(toks, i)
        if m is not None and not (i + 1 < len(toks) and toks[i + 1] == "th"):
            out.append(m)
            i = m.end
        else:
            i += 1
    return out


def parse_number(text: str) -> int | None:
    """The first number in `text`, counting "a couple" etc.: "two" -> 2, "a couple" -> 2."""
    toks = tokens(text)
    for i in range(len(toks)):
        m = count_at(toks, i)
        if m is not None and toks[i] not in ("a", "an"):
            return m.value
        if m is not None and m.end - m.start > 1:
            return m.value
    return None


def digit_string(toks: list[str], start: int = 0) -> tuple[str, int]:
    """Digits said one or a few at a time ("three oh five", "one twelve", "double seven"),
    concatenated: returns (digits, end index)."""
    out = ""
    i = start
    while i < len(toks):
        t = toks[i]
        if t == "double" and i + 1 < len(toks) and toks[i + 1] in UNITS:
            out += str(UNITS[toks[i + 1]]) * 2
            i += 2
        elif t == "triple" and i + 1 < len(toks) and toks[i + 1] in UNITS:
            out += str(UNITS[toks[i + 1]]) * 3
            i += 2
        elif t.isdigit():
            out += t
            i += 1
        elif t in UNITS:
            if i + 1 < len(toks) and toks[i + 1] == "hundred":
                m = _cardinal_at(toks, i)
                assert m is not None
                out += str(m.value)
                i = m.end
            else:
                out += str(UNITS[t])
                i += 1
        elif t in TEENS:
            out += str(TEENS[t])
            i += 1
        elif t in TENS:
            m = _cardinal_at(toks, i)
            assert m is not None
            out += str(m.value)
            i = m.end
        else:
            break
    return out, i
