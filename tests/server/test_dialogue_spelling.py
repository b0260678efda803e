"""Homophone surnames: the booking asks how "Clark"/"Clarke" is spelled instead of guessing
(the recognizer cannot hear the difference), and stores the spelling the guest chose."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import pytest

from media.speech import hotel_lm, hotel_phrases
from server.dialogue.spelling import HOMOPHONE_SURNAMES, chosen_spelling, spelling_question
from tests.server.conftest import TODAY
from tests.server.dialogue_fixtures import Call, Scenario, new_reservations, run_scenario

TOMORROW = TODAY + dt.timedelta(days=1)
GROUP = ("clark", "clarke")


def test_homophone_table_matches_the_dictionary() -> None:
    """Every group of surnames in the recognizer's list that share their pronunciations is in
    the table, and nothing else is."""
    prons: dict[str, set[str]] = defaultdict(set)
    for line in hotel_lm.cmudict_path().read_text().splitlines():
        word, *phones = line.split()
        prons[word.split("(")[0]].add(" ".join(phones))
    by_sound: dict[frozenset[str], set[str]] = defaultdict(set)
    for name in hotel_phrases.SURNAMES:
        by_sound[frozenset(prons[name])].add(name)
    groups = {frozenset(g) for g in by_sound.values() if len(g) > 1}
    assert groups == {frozenset(g) for g in HOMOPHONE_SURNAMES}
    assert frozenset(GROUP) in groups


@pytest.mark.parametrize(("said", "chosen"), [
    ("with an e", "clarke"), ("without an e", "clark"), ("no e", "clark"),
    ("no with the e at the end", "clarke"), ("c l a r k e", "clarke"), ("c l a r k", "clark"),
    ("it's clarke", "clarke"), ("the one with an e", "clarke"),
    ("it is spelled c l a r k e", "clarke"), ("sea l a are kay e", "clarke"),
    ("see l a r kay", "clark"), ("yes", None), ("no", None), ("two nights", None),
])
def test_chosen_spelling(said: str, chosen: str | None) -> None:
    assert chosen_spelling(said.split(), GROUP) == chosen


def test_spelling_question_asks_about_the_first_spelling() -> None:
    assert spelling_question("Clarke") == spelling_question("clark") == \
        "Is that Clark, spelled C, L, A, R, K?"


def _booked_as(name: str):  # type: ignore[no-untyped-def]
    async def check(call: Call) -> None:
        assert any(r.expecting == "confirm_spelling" and "C, L, A, R, K" in r.text
                   for r in call.replies), [r.text for r in call.replies]
        made = await new_reservations(call.db)
        assert len(made) == 1, f"expected one new reservation, got {len(made)}"
        assert made[0][2].name == name
    return check


def _no_question(name: str):  # type: ignore[no-untyped-def]
    async def check(call: Call) -> None:
        assert all(r.expecting != "confirm_spelling" for r in call.replies)
        made = await new_reservations(call.db)
        assert len(made) == 1 and made[0][2].name == name
    return check


START = ("i'd like to book a king for tomorrow", "one night", "one person", "room only")
PHONE = "oh seven seven oh oh nine oh oh five five five"

CALLS = [
    Scenario("clark_confirmed", "booking",
             (*START, "my name is david clark", "yes", PHONE, "yes"), _booked_as("David Clark"),
             caller=None),
    Scenario("clark_heard_said_with_an_e", "booking",
             (*START, "my name is david clark", "no with an e", PHONE, "yes"),
             _booked_as("David Clarke"), caller=None),
    Scenario("clarke_heard_no_means_the_other", "booking",
             (*START, "david clarke", "no", PHONE, "yes"), _booked_as("David Clarke"),
             caller=None),
    Scenario("clarke_spelled", "booking",
             (*START, "david clarke", "c l a r k e", PHONE, "yes"), _booked_as("David Clarke"),
             caller=None),
    Scenario("clark_heard_no_means_clarke", "booking",
             (*START, "my name is david clark", "no", PHONE, "yes"), _booked_as("David Clarke"),
             caller=None),
    Scenario("no_homophone_no_question", "booking",
             (*START, "my name is david cooper", PHONE, "yes"), _no_question("David Cooper"),
             caller=None),
]


@pytest.mark.parametrize("sc", CALLS, ids=[s.name for s in CALLS])
async def test_homophone_surname_is_spelled(sc: Scenario, template_db: Path,
                                            tmp_path: Path) -> None:
    await run_scenario(sc, template_db, tmp_path)
