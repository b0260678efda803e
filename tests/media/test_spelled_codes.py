"""Spelled booking codes: characters read out of words, and which live codes a misheard one
is listened for against (the recognizer's side is in test_stt.py)."""

from __future__ import annotations

import pytest
from pocketsphinx import Decoder

from media.speech.spelled_codes import (
    MAX_CANDIDATES,
    candidates,
    code_chars,
    edit_distance,
    known_codes_jsgf,
)
from media.speech.stt_pocketsphinx import PocketsphinxSettings, build_config


def test_code_characters_come_from_letters_nato_words_and_digits() -> None:
    assert code_chars("it's c r t eight n two") == "CRT8N2"
    assert code_chars("charlie romeo tango eight november two") == "CRT8N2"
    assert code_chars("it's a room for two") == "2"  # "a" is the article, not the letter
    assert code_chars("the code is q a d eight e four") == "QAD8E4"  # ... beside letters
    assert code_chars("a b c") == "ABC" and code_chars("alpha bravo") == "AB"


@pytest.mark.parametrize(("a", "b", "distance"), [
    ("CRT8N2", "CRT8N2", 0), ("CLT8N2", "CRT8N2", 1), ("CRCNHN2", "CRT8N2", 3),
    ("RCNHN2", "CRT8N2", 4), ("", "CRT8N2", 6), ("CRT8N", "CRT8N2", 1),
])
def test_edit_distance_counts_changed_added_and_dropped_characters(a: str, b: str,
                                                                  distance: int) -> None:
    assert edit_distance(a, b) == distance == edit_distance(b, a)


def test_close_live_codes_are_candidates_closest_first() -> None:
    live = ["MRG4X7", "CRT8N2", "DVS5K3", "CRT8NZ", "BRC8N2"]
    # "c l c eight n two": CRT8N2 and BRC8N2 are two edits away, CRT8NZ three.
    assert candidates(live, ["CLC8N2"]) == ["BRC8N2", "CRT8N2"]
    # Either reading of the turn (the LM's, the code grammar's) may be the close one.
    assert candidates(live, ["CRCNHN2", "CRC8N2"]) == ["BRC8N2", "CRT8N2", "CRT8NZ"]
    assert candidates(live, ["XYZ234"]) == []  # nothing close: nothing is made up
    assert candidates(live, ["CRT8N2", "CLC8N2"]) == []  # heard as a live code: kept
    assert candidates(live, ["", ""]) == []
    many = [f"CRT8{a}{b}" for a in "ABCDEFGH" for b in "23456789"]
    assert len(candidates(many, ["CRT8N2"])) == MAX_CANDIDATES


def test_the_grammar_of_live_codes_is_accepted_by_the_decoder() -> None:
    decoder = Decoder(build_config(PocketsphinxSettings()))
    decoder.add_jsgf_string("known", known_codes_jsgf(["CRT8N2", "MRG4X7"]))
    decoder.activate_search("known")
    assert "c for charlie" in known_codes_jsgf(["C2"])
