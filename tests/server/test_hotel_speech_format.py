"""Spoken forms of dates, times, money, room and phone numbers; phone normalisation."""

from __future__ import annotations

import datetime as dt

import pytest

from server.hotel.phones import to_e164
from server.hotel.speech_format import (
    ordinal_suffix,
    say_code,
    say_date,
    say_datetime,
    say_digits,
    say_list,
    say_money,
    say_number,
    say_phone,
    say_relative_date,
    say_room,
    say_time,
)


@pytest.mark.parametrize(("n", "words"), [
    (0, "zero"), (7, "seven"), (15, "fifteen"), (21, "twenty-one"), (100, "one hundred"),
    (120, "one hundred and twenty"), (305, "three hundred and five"), (1000, "one thousand"),
    (1005, "one thousand and five"), (2026, "two thousand and twenty-six"),
    (12345, "twelve thousand three hundred and forty-five"), (-3, "minus three"),
])
def test_say_number(n: int, words: str) -> None:
    assert say_number(n) == words


def test_ordinals_and_dates() -> None:
    assert [ordinal_suffix(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "31st"]
    assert say_date(dt.date(2026, 12, 4)) == "Friday the 4th of December"
    assert say_date(dt.date(2027, 1, 1), today=dt.date(2026, 12, 1)) == \
        "Friday the 1st of January 2027"
    today = dt.date(2026, 12, 1)
    assert say_relative_date(today, today) == "today"
    assert say_relative_date(dt.date(2026, 12, 2), today) == "tomorrow"
    assert say_relative_date(dt.date(2026, 12, 3), today) == "Thursday the 3rd of December"
    assert say_datetime(dt.datetime(2026, 12, 2, 15, 30), today=today) == \
        "tomorrow at half past three in the afternoon"


@pytest.mark.parametrize(("t", "words"), [
    (dt.time(15, 30), "half past three in the afternoon"),
    (dt.time(15, 0), "three o'clock in the afternoon"),
    (dt.time(7, 15), "quarter past seven in the morning"),
    (dt.time(7, 45), "quarter to eight in the morning"),
    (dt.time(11, 45), "quarter to midday"),
    (dt.time(12, 0), "midday"), (dt.time(0, 0), "midnight"),
    (dt.time(23, 50), "ten to midnight"),
    (dt.time(6, 30), "half past six in the morning"),
    (dt.time(19, 5), "five past seven in the evening"),
    (dt.time(10, 7), "seven minutes past ten in the morning"),
    (dt.time(10, 59), "one minute to eleven in the morning"),
    (dt.time(12, 20), "twenty past twelve in the afternoon"),
])
def test_say_time(t: dt.time, words: str) -> None:
    assert say_time(t) == words


@pytest.mark.parametrize(("pence", "words"), [
    (12000, "one hundred and twenty pounds"), (1450, "fourteen pounds fifty"),
    (100, "one pound"), (50, "fifty pence"), (0, "nothing"), (123456, "one thousand two "
                                                              "hundred and thirty-four pounds "
                                                              "fifty-six"),
])
def test_say_money(pence: int, words: str) -> None:
    assert say_money(pence) == words


@pytest.mark.parametrize(("room", "words"), [
    ("305", "room three oh five"), ("112", "room one twelve"), ("120", "room one twenty"),
    (501, "room five oh one"), ("500", "room five hundred"), ("12", "room twelve"),
    ("B2", "room B2"),
])
def test_say_room(room: str | int, words: str) -> None:
    assert say_room(room) == words


def test_phone_numbers() -> None:
    assert say_phone("+447700900101") == "oh seven seven hundred, nine hundred, one oh one"
    assert say_phone("+442392000000") == "oh two three, nine two hundred, oh oh oh oh"
    assert say_phone("+14155550100").startswith("plus one four one")
    assert say_digits("0800") == "oh eight hundred"
    assert to_e164("+44 7700 900101") == "+447700900101"
    assert to_e164("07700 900101") == "+447700900101"
    assert to_e164("0044 (0)7700-900101") == "+447700900101"
    assert to_e164("tel:+447700900101") == "+447700900101"
    assert to_e164("447700900101") == "+447700900101"
    assert to_e164("12") is None and to_e164("") is None and to_e164(None) is None


def test_codes_and_lists() -> None:
    assert say_code("mrg4x7") == "M, R, G, 4, X, 7"
    assert say_list([]) == "" and say_list(["a"]) == "a"
    assert say_list(["a", "b", "c"]) == "a, b and c"
