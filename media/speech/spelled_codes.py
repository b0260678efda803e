"""Booking codes spelled aloud: reading the characters out of recognized words, and listening
for the codes the hotel actually has.

A guest spells a six-character code as letters ("c r t eight n two"), NATO words or "c for
charlie". Over a phone line the open recognizer gets a character or two wrong (c, t, b, e and
eight sound alike). When the listener knows which codes exist (the hotel's live bookings),
the recognizer hears the turn again against a grammar of the few live codes that are close
to what it heard, and takes the one the audio fits: what a receptionist does who looks a
half-heard code up on the screen. Only codes within `MAX_DISTANCE` edits of what was heard
are candidates, so a code nobody said is never made up from a mumble.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from media.speech import hotel_lm, hotel_phrases

# Edits (a character changed, added or dropped) between what the recognizer heard and a live
# code for that code to be listened for. At 2, a wrong code said to a hotel with 100 live
# bookings has about one chance in 700 of having any live code that close (docs/stt.md).
MAX_DISTANCE = 2
# The closest codes listened for at most: each adds ~15 ms to the re-decode (one: ~50 ms).
MAX_CANDIDATES = 8

SPELLING_WORDS = frozenset(hotel_phrases.LETTERS) - {"a"} | {
    w for name in hotel_phrases.NATO.values() for w in name.split()}
_DIGIT_CHAR = {w: str(hotel_phrases.CODE_DIGITS.index(w) + 2) for w in hotel_phrases.CODE_DIGITS}
_CODE_CHAR = {**{c: c for c in hotel_phrases.LETTERS},
              **{name.split()[0]: c for c, name in hotel_phrases.NATO.items()}, **_DIGIT_CHAR}
_CODE_CHAR.pop("a")  # the letter only beside another code character (`code_chars`)
_CHAR_WORD = {c: w for w, c in _DIGIT_CHAR.items()}


def looks_spelled(text: str) -> bool:
    """Two or more letter names or NATO words: the guest was spelling a code."""
    return sum(w in SPELLING_WORDS for w in text.split()) >= 2


def code_chars(text: str) -> str:
    """The code characters spelled in `text`, upper case ("it's c r t eight" -> "CRT8"). "a"
    is the letter beside another code character ("q a d eight"), else the article ("it's a
    ...")."""
    words = text.split()
    spelled = [_CODE_CHAR.get(w, "") for w in words]
    for i, w in enumerate(words):
        if w == "a" and any(0 <= j < len(words) and spelled[j] for j in (i - 1, i + 1)):
            spelled[i] = "a"
    return "".join(spelled).upper()


def close_codes(a: str, b: str) -> bool:
    """Do two spellings give codes of one length differing in at most two characters? (A
    grammar result that rewrites the whole code is more likely forced than right.)"""
    x, y = code_chars(a), code_chars(b)
    return len(x) == len(y) > 0 and sum(p != q for p, q in zip(x, y, strict=True)) <= 2


def edit_distance(a: Sequence[str], b: Sequence[str]) -> int:
    """Levenshtein distance: items changed, added or dropped to turn `a` into `b` (the
    characters of a code here; the words of a transcript in `bench.stt_eval`'s WER)."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        diagonal, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (ca != cb))
    return row[-1]


def candidates(known: Iterable[str], heard: Sequence[str],
               max_distance: int = MAX_DISTANCE, limit: int = MAX_CANDIDATES) -> list[str]:
    """The known codes within `max_distance` edits of any code in `heard` (several readings
    of one turn), closest first, at most `limit`; [] if a heard code is itself known (nothing
    to correct) or nothing was heard."""
    heard = [h for h in heard if h]
    if not heard:
        return []
    codes = {c.upper() for c in known}
    if any(h in codes for h in heard):
        return []
    near = sorted((min(edit_distance(c, h) for h in heard), c) for c in codes
                  if any(abs(len(c) - len(h)) <= max_distance for h in heard))
    return [c for d, c in near if d <= max_distance][:limit]


def _char_forms(ch: str) -> str:
    """The ways a code character is said: "c", "charlie", "c for charlie"; a digit's word."""
    if ch in _CHAR_WORD:
        return _CHAR_WORD[ch]
    letter = ch.lower()
    nato = hotel_phrases.NATO[letter]
    return f"({letter} | {nato} | {letter} for {nato})"


def known_codes_jsgf(codes: Sequence[str]) -> str:
    """A JSGF grammar of `codes` spelled any way, inside the phrases a code is said in ("my
    booking reference is ...")."""
    leads = " | ".join(dict.fromkeys(hotel_lm.jsgf_alternative(t).replace("<code>", "<known>")
                                     for t in hotel_phrases.TEMPLATES["code"]))
    known = " | ".join(" ".join(_char_forms(ch) for ch in code.upper()) for code in codes)
    return f"#JSGF V1.0;\ngrammar known;\npublic <said> = {leads};\n<known> = {known};\n"
