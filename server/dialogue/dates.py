"""Spoken dates and times relative to the hotel's today ("next friday", "the fourth of
december", "in two weeks", "tomorrow at ten")."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, replace
from enum import StrEnum

from server.dialogue.words import NumberMatch, count_at, ordinal_at, tokens

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
# A day-and-month this far in the past is taken as a mistake (said back as "already passed");
# further back, it means next year's.
RECENT_PAST_DAYS = 31
# Days a hotel is booked for by name: (month, day).
HOLIDAYS: dict[tuple[str, ...], tuple[int, int]] = {
    ("christmas", "eve"): (12, 24), ("christmas", "day"): (12, 25), ("christmas",): (12, 25),
    ("boxing", "day"): (12, 26), ("new", "year's", "eve"): (12, 31),
    ("new", "years", "eve"): (12, 31), ("new", "year's", "day"): (1, 1),
    ("new", "years", "day"): (1, 1), ("valentine's", "day"): (2, 14),
}
_UNTIL = {"until", "till", "til", "leaving", "departing", "out"}
_NOT = {"not", "instead"}


class DateRole(StrEnum):
    """What a date in an utterance is for: arrival, departure, or unknown."""

    ANY = "any"
    CHECK_IN = "check_in"
    CHECK_OUT = "check_out"


@dataclass(frozen=True)
class DateMatch:
    value: dt.date
    start: int
    end: int
    role: DateRole = DateRole.ANY
    negated: bool = False  # "not friday"


def _weekday_on_or_after(today: dt.date, weekday: int, *, strictly: bool) -> dt.date:
    ahead = (weekday - today.weekday()) % 7
    if ahead == 0 and strictly:
        ahead = 7
    return today + dt.timedelta(days=ahead)


def _day_month(today: dt.date, day: int, month: int) -> dt.date | None:
    """Day and month without a year: this year's, unless long past (then next year's)."""
    for year in (today.year, today.year + 1):
        try:
            d = dt.date(year, month, day)
        except ValueError:
            return None
        if d >= today - dt.timedelta(days=RECENT_PAST_DAYS):
            return d
    return None


def _day_only(today: dt.date, day: int, weekday: int | None = None) -> dt.date | None:
    """"The 4th": this month's if not past, else next month's (or the one after). With a
    `weekday` ("Monday the 4th"), the first of those that falls on it; None if none does
    (the weekday is then more likely a slip, or misheard, than a date months away)."""
    year, month = today.year, today.month
    for _ in range(3):
        try:
            d = dt.date(year, month, day)
            if d >= today and weekday in (None, d.weekday()):
                return d
        except ValueError:
            pass
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return None


def _month_at(toks: list[str], i: int) -> int | None:
    return MONTHS.index(toks[i]) + 1 if i < len(toks) and toks[i] in MONTHS else None


def _match_at(toks: list[str], i: int, today: dt.date) -> tuple[dt.date, int] | None:
    """A date expression starting at toks[i]: (date, end index)."""
    t = toks[i]
    nxt = toks[i + 1] if i + 1 < len(toks) else ""
    if t in ("today", "tonight"):
        return today, i + 1
    if t == "yesterday":
        return today - dt.timedelta(days=1), i + 1
    if t == "tomorrow":
        return today + dt.timedelta(days=1), i + 1
    if t == "day" and nxt == "after" and toks[i + 2:i + 3] == ["tomorrow"]:
        return today + dt.timedelta(days=2), i + 3
    if t in ("next", "this", "coming") and nxt in WEEKDAYS:
        wd = WEEKDAYS.index(nxt)
        return _day_of_month_after(toks, i + 2, today, wd) or \
            (_weekday_on_or_after(today, wd, strictly=t == "next"), i + 2)
    if t in ("this", "next") and nxt == "weekend":
        friday = _weekday_on_or_after(today, 4, strictly=False)
        if today.weekday() in (5, 6):  # already the weekend: "next weekend" is the coming one
            friday = _weekday_on_or_after(today, 4, strictly=True)
            return (friday if t == "next" else today), i + 2
        return friday + dt.timedelta(days=7 if t == "next" else 0), i + 2
    if t == "next" and nxt == "week":
        return _weekday_on_or_after(today, 0, strictly=True), i + 2
    for words in sorted(HOLIDAYS, key=len, reverse=True):  # "christmas eve" before "christmas"
        if tuple(toks[i:i + len(words)]) == words:
            on = _day_month(today, HOLIDAYS[words][1], HOLIDAYS[words][0])
            return (on, i + len(words)) if on else None
    if t in WEEKDAYS:
        return _day_of_month_after(toks, i + 1, today, WEEKDAYS.index(t)) or \
            (_weekday_on_or_after(today, WEEKDAYS.index(t), strictly=False), i + 1)
    if t == "in":  # "in two weeks", "in three days", "in a week"
        n = count_at(toks, i + 1)
        if n is not None and n.end < len(toks):
            unit = toks[n.end]
            if unit in ("day", "days"):
                return today + dt.timedelta(days=n.value), n.end + 1
            if unit in ("week", "weeks", "weeks'", "weeks's"):
                return today + dt.timedelta(weeks=n.value), n.end + 1
            if unit == "fortnight":
                return today + dt.timedelta(weeks=2 * n.value), n.end + 1
        if nxt == "a" and toks[i + 2:i + 3] == ["fortnight"]:
            return today + dt.timedelta(weeks=2), i + 3
        return None
    month = _month_at(toks, i)
    if month is not None:  # "december fourth", "december the fourth"
        j = i + 1 + (nxt == "the")
        o = ordinal_at(toks, j) or _cardinal_day(toks, j)
        if o is not None:
            d = _day_month(today, o.value, month)
            return (d, o.end) if d else None
        return None
    j = i + (t == "the")
    o = ordinal_at(toks, j)
    if o is None or not 1 <= o.value <= 31:
        return None
    k = o.end + (o.end < len(toks) and toks[o.end] == "of")
    month = _month_at(toks, k)
    if month is not None:
        d = _day_month(today, o.value, month)
        return (d, k + 1) if d else None
    d = _day_only(today, o.value)
    return (d, o.end) if d else None


def _day_of_month_after(toks: list[str], i: int, today: dt.date,
                        weekday: int) -> tuple[dt.date, int] | None:
    """"Friday the eleventh", "monday december the fourth": after a weekday, the day of the
    month says which one (read as two dates, the weekday became the arrival and the eleventh
    the departure). With no month said, the weekday says which month: on the 1st of
    December "Monday the 4th" is the 4th of January, the first 4th that is a Monday."""
    if i >= len(toks) or toks[i] in WEEKDAYS or toks[i] in ("next", "this", "coming"):
        return None
    if toks[i] != "the" and _month_at(toks, i) is None and ordinal_at(toks, i) is None:
        return None
    found = _match_at(toks, i, today)
    if found is None or found[0].weekday() == weekday or \
            any(_month_at(toks, k) for k in range(i, found[1])):
        return found  # a month said is kept: the read-back says its weekday
    return _day_only(today, found[0].day, weekday) or found[0], found[1]



def _cardinal_day(toks: list[str], i: int) -> NumberMatch | None:
    n = count_at(toks, i)
    return n if n is not None and toks[i] not in ("a", "an") and 1 <= n.value <= 31 else None


def find_dates(toks: list[str], today: dt.date) -> list[DateMatch]:
    """Every date in the tokens, with its role (from/until words before it) and negation."""
    out: list[DateMatch] = []
    i = 0
    while i < len(toks):
        found = _match_at(toks, i, today)
        if found is None:
            i += 1
            continue
        value, end = found
        start = i
        before = toks[max(0, start - 3):start]
        role = DateRole.ANY
        if any(w in _UNTIL for w in before[-2:]) or before[-2:] == ["check", "out"]:
            role = DateRole.CHECK_OUT
        elif any(w in ("from", "arriving", "arrive", "in") for w in before[-2:]):
            role = DateRole.CHECK_IN
        negated = (bool(before) and before[-1] in _NOT) or before[-2:] == ["not", "on"]
        out.append(DateMatch(value, start, end, role, negated))
        i = end
    # "no friday saturday" (a correction, or "not" heard as "no"): the date right after "no"
    # that another date follows at once is the one being taken back.
    for k, (d, nxt) in enumerate(itertools.pairwise(out)):
        if d.start > 0 and toks[d.start - 1] == "no" and nxt.start == d.end and \
                d.role is DateRole.ANY and nxt.role is DateRole.ANY:
            out[k] = replace(d, negated=True)
    return out


class ShiftEnd(StrEnum):
    """What a `Shift` moves: the whole stay, or one end of it."""

    STAY = "stay"
    ARRIVAL = "arrival"
    DEPARTURE = "departure"


@dataclass(frozen=True)
class Shift:
    """A stay moved by `days` without naming a date: "a day earlier" is -1, "the following
    week" 7, "arrive a day earlier" moves only the arrival."""

    days: int
    end: ShiftEnd = ShiftEnd.STAY


_SHIFT_UNITS = {"day": 1, "days": 1, "night": 1, "nights": 1, "week": 7, "weeks": 7}
_EARLIER = frozenset({"earlier", "sooner", "forward", "early"})  # "bring it forward a day"
_LATER = frozenset({"later", "back", "late", "longer"})  # "push it back a day"
_LONGER = "longer"  # "stay two days longer": the departure moves
_ARRIVING = r"\b(arrive|arriving|arrival|check in|checking in|come in|get in|get there)\b"
_LEAVING = r"\b(leave|leaving|depart|departing|departure|check out|checking out|go home)\b"


def _shift_days(toks: list[str]) -> int | None:
    text = " ".join(toks)
    if re.search(r"\b(the following week|the week after)\b", text):
        return 7
    if re.search(r"\b(the week before|the previous week)\b", text):
        return -7
    for i, unit in enumerate(toks):
        if unit not in _SHIFT_UNITS:
            continue
        count = next((m for j in range(max(0, i - 3), i)
                      if (m := count_at(toks, j)) is not None and m.end == i), None)
        if count is None or not 0 < count.value <= 60:
            continue
        after = toks[i + 1] if i + 1 < len(toks) else ""
        before = [w for w in toks[max(0, count.start - 2):count.start] if w != "by"]
        way = after if after in _EARLIER | _LATER else before[-1] if before else ""
        if way in _EARLIER | _LATER:
            return count.value * _SHIFT_UNITS[unit] * (-1 if way in _EARLIER else 1)
    return None


# Nights taken off a stay: "cancel one night", "cancel the last night", "shorten my stay by
# a night", "one night less"; "cancel the first night" moves the arrival instead.
_FEWER = re.compile(r"\b(?:cancel|drop|take off|remove) (?:just )?(?:(?P<n>one|a|two|three) "
                    r"nights?|the (?P<which>first|last|second|final) night)\b|"
                    r"\bshorten (?:my|our|the) (?:stay|booking|reservation) by (?P<by>a|one|two|"
                    r"three) nights?\b|\b(?P<less>one|a|two) nights? (?:less|fewer|shorter)\b")


def takes_nights_off(toks: list[str]) -> bool:
    """"Cancel the first night": no date is said ("the first" is not the 1st)."""
    return _FEWER.search(" ".join(toks)) is not None


def _fewer_nights(toks: list[str]) -> Shift | None:
    m = _FEWER.search(" ".join(toks))
    if m is None:
        return None
    if m["which"] == "first":
        return Shift(1, ShiftEnd.ARRIVAL)
    said = m["n"] or m["by"] or m["less"] or "one"
    count = count_at([said], 0)
    return Shift(-(count.value if count else 1), ShiftEnd.DEPARTURE)


def find_shift(toks: list[str]) -> Shift | None:
    """"A day earlier", "two days later", "a week later", "the following week", "push it back
    a day", "bring it forward a week", "check out a day early"; with "arrive" or "leave" said,
    only that end moves, and "stay a day longer" moves the departure. Nights taken off
    ("cancel one night", "shorten my stay by a night") move the departure."""
    fewer = _fewer_nights(toks)
    if fewer is not None:
        return fewer
    days = _shift_days(toks)
    if days is None:
        return None
    text = " ".join(toks)
    arriving = re.search(_ARRIVING, text)
    leaving = re.search(_LEAVING, text) or _LONGER in toks
    end = ShiftEnd.ARRIVAL if arriving and not leaving else \
        ShiftEnd.DEPARTURE if leaving and not arriving else ShiftEnd.STAY
    return Shift(days, end)


def shifted(check_in: dt.date, check_out: dt.date, shift: Shift) -> tuple[dt.date, dt.date]:
    """The stay after `shift`. One end moved past the other moves the whole stay."""
    by = dt.timedelta(days=shift.days)
    if shift.end is ShiftEnd.ARRIVAL and check_in + by < check_out:
        return check_in + by, check_out
    if shift.end is ShiftEnd.DEPARTURE and check_out + by > check_in:
        return check_in, check_out + by
    return check_in + by, check_out + by


def parse_date(text: str, today: dt.date) -> dt.date | None:
    """The (last non-negated) date said in `text`, or None."""
    found = [d for d in find_dates(tokens(text), today) if not d.negated]
    return found[-1].value if found else None


def _hour_minute(toks: list[str], i: int) -> tuple[int, int, int] | None:
    """"three", "three thirty", "half past three", "ten o'clock": (hour, minute, end)."""
    t = toks[i] if i < len(toks) else ""
    if t in ("noon", "midday"):
        return 12, 0, i + 1
    if t in ("half", "quarter") and toks[i + 1:i + 2] in (["past"], ["to"]):
        h = count_at(toks, i + 2)
        if h is None or not 1 <= h.value <= 12:
            return None
        minutes = 30 if t == "half" else 15
        if toks[i + 1] == "to":
            return (h.value - 1) % 12 or 12, 60 - minutes, h.end
        return h.value, minutes, h.end
    h = count_at(toks, i)
    if h is None or t in ("a", "an") or not 1 <= h.value <= 12:
        return None
    end, minute = h.end, 0
    if toks[end:end + 1] == ["o'clock"] or toks[end:end + 2] == ["o", "clock"]:
        end += 1 if toks[end] == "o'clock" else 2
    else:
        m = count_at(toks, end)
        if m is not None and toks[end] not in ("a", "an") and 0 <= m.value < 60 and m.value >= 10:
            minute, end = m.value, m.end
    return h.value, minute, end


def parse_time(text: str, now: dt.datetime) -> dt.datetime | None:
    """When, for a callback: "in ten minutes", "in half an hour", "tomorrow at ten",
    "at three", "at half past four in the afternoon". Hotel-local, seconds dropped."""
    toks = tokens(text)
    now = now.replace(second=0, microsecond=0)
    for i, t in enumerate(toks):  # relative: "in twenty minutes", "in an hour"
        if t != "in":
            continue
        rest = toks[i + 1:]
        if rest[:3] == ["half", "an", "hour"]:
            return now + dt.timedelta(minutes=30)
        n = count_at(toks, i + 1)
        if n is not None and n.end < len(toks):
            unit = toks[n.end]
            if unit.startswith("minute"):
                return now + dt.timedelta(minutes=n.value)
            if unit.startswith("hour"):
                return now + dt.timedelta(hours=n.value)
    dates = [d for d in find_dates(toks, now.date()) if not d.negated]
    day = dates[-1].value if dates else None
    clock: tuple[int, int, int] | None = None
    for i, t in enumerate(toks):
        if t in ("at", "around", "about") or toks[i] in ("noon", "midday"):
            clock = _hour_minute(toks, i + (t in ("at", "around", "about")))
            if clock is not None:
                break
    if clock is None:
        if day is not None and day > now.date():
            return dt.datetime.combine(day, dt.time(10, 0), tzinfo=now.tzinfo)
        if "afternoon" in toks:
            clock = (3, 0, 0)
        elif "evening" in toks:
            clock = (6, 0, 0)
        elif "morning" in toks:
            clock = (10, 0, 0)
        else:
            return None
    hour, minute, end = clock
    tail = toks[end:end + 3]
    if hour < 12 and ("pm" in tail or "afternoon" in toks or "evening" in toks
                      or tail[:2] == ["p", "m"]):
        hour += 12
    elif hour == 12 and ("am" in tail or "midnight" in tail):
        hour = 0
    elif hour < 12 and not ("am" in tail or "morning" in toks or tail[:2] == ["a", "m"]) \
            and hour < 7:
        hour += 12  # "at three" means the afternoon: the hotel does not call at 3 a.m.
    start_day = day or now.date()
    when = dt.datetime.combine(start_day, dt.time(hour, minute), tzinfo=now.tzinfo)
    if day is None and when <= now:
        when += dt.timedelta(days=1)
    return when
