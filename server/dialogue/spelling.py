"""Surnames that sound the same but are spelled differently (homophones), and the guest's
answer to "Is that Clark, spelled C, L, A, R, K?".

The recognizer hears a surname from a fixed list (`media.speech.hotel_phrases.SURNAMES`); when
two names in it share a pronunciation ("clark" and "clarke" are both K L AA R K) the one it
writes is a tie broken by the language model, not something it heard. The booking asks the
guest instead of guessing.
"""

from __future__ import annotations

from collections.abc import Sequence

from server.dialogue.slots import LETTER_WORDS
from server.hotel.speech_format import say_code

# Groups of surnames in the recognizer's list that share every pronunciation in cmudict
# (`tests/server/test_dialogue_spelling.py` checks this against the dictionary), the spelling
# asked about first leading each group. Common homophones outside the list ("reid"/"reed",
# "gray"/"grey", "thomson" for "thompson") cannot be written by the recognizer at all.
HOMOPHONE_SURNAMES: tuple[tuple[str, ...], ...] = (
    ("clark", "clarke"),
)
_GROUP = {name: group for group in HOMOPHONE_SURNAMES for name in group}

# The letter names the code parser knows, plus the spellings the recognizer writes for a few
# of them when a surname is spelled out.
_LETTER = {**{w: c.lower() for w, c in LETTER_WORDS.items()}, "pea": "p", "tea": "t", "you": "u",
           "double": ""}
_ARTICLES = ("an", "a", "the", "one")


def homophones(surname: str) -> tuple[str, ...]:
    """The spellings that sound like `surname` (itself included, first asked first), or ()."""
    return _GROUP.get(surname.lower(), ())


def surname_of(full_name: str) -> str:
    return full_name.split()[-1] if full_name.split() else ""


def with_surname(full_name: str, surname: str) -> str:
    """`full_name` with its last word replaced by `surname` (capitalised)."""
    words = full_name.split()
    return " ".join([*words[:-1], surname.capitalize()])


def spelling_question(surname: str) -> str:
    """ "Is that Clark, spelled C, L, A, R, K?" for the first spelling of `surname`'s group."""
    first = homophones(surname)[0] if homophones(surname) else surname.lower()
    return f"Is that {first.capitalize()}, spelled {say_code(first)}?"


def _spelled(toks: Sequence[str]) -> str:
    """The letters the guest spelled ("c l a r k e", "see l a r k"), as one word."""
    out: list[str] = []
    for i, t in enumerate(toks):
        if t == "double" and i + 1 < len(toks) and len(_LETTER.get(toks[i + 1], "")) == 1:
            out.append(_LETTER[toks[i + 1]])
        elif len(_LETTER.get(t, "")) == 1 and not (t == "a" and i + 1 < len(toks)
                                                    and toks[i + 1] not in _LETTER):
            out.append(_LETTER[t])
    return "".join(out)


def _with_letter(toks: Sequence[str]) -> tuple[bool, str] | None:
    """("with an e" -> (True, "e"); "without an e" / "no e" -> (False, "e")), or None."""
    for i, t in enumerate(toks):
        if t not in ("with", "without", "no"):
            continue
        rest = list(toks[i + 1:])
        while rest and rest[0] in _ARTICLES:
            rest.pop(0)
        if rest and len(_LETTER.get(rest[0], "")) == 1:
            return t == "with", _LETTER[rest[0]]
    return None


def chosen_spelling(toks: Sequence[str], group: Sequence[str]) -> str | None:
    """The spelling in `group` the guest's words pick: spelled out ("c l a r k e"), named
    exactly ("clarke"), or by a letter ("with an e", "without the e"); None if none does."""
    spelled = _spelled(toks)
    if spelled in group:
        return spelled
    named = [g for g in group if g in toks]
    if len(named) == 1:
        return named[0]
    letter = _with_letter(toks)
    if letter is not None:
        has, ch = letter
        counts = sorted({g.count(ch) for g in group})
        want = counts[-1] if has else counts[0]
        picks = [g for g in group if g.count(ch) == want]
        if len(picks) == 1 and len(counts) > 1:
            return picks[0]
    return None
