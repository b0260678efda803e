"""Yes, no, or neither: the guest's answer to a yes/no question, in its many spoken forms."""

from __future__ import annotations

from enum import StrEnum

from server.dialogue.words import normalize


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    NONE = "none"


_YES_PHRASES = (
    "yes", "yeah", "yep", "yup", "yes please", "sure", "please do", "that's right", "thats right",
    "correct", "that's correct", "go ahead", "okay", "ok", "alright", "all right", "sounds good",
    "perfect", "great", "absolutely", "definitely", "of course", "that's fine", "fine", "lovely",
    "uh huh", "that's it", "yes it is", "please", "do it", "book it", "go on", "right",
    "certainly", "why not", "i'd like that", "i would", "i do", "it is", "affirmative",
    "that would be great", "that'd be great", "that's great", "brilliant", "excellent",
    "that works", "ok then", "okay then", "yes go ahead", "yeah that's it", "aye",
)
_NO_PHRASES = (
    "no", "nope", "nah", "no thanks", "no thank you", "not really", "that's wrong",
    "thats wrong", "not quite", "no it isn't", "no that's not right", "that's not right",
    "no need", "don't", "do not", "i don't", "not now", "no that's all", "wrong", "incorrect",
    "negative", "not at all", "no way", "that's not it", "it isn't", "it's not",
    "i don't think so", "not yet", "no it's not", "don't bother",
)
_YES_WORDS = {"yes", "yeah", "yep", "yup", "sure", "correct", "okay", "ok", "absolutely",
              "definitely", "aye", "certainly"}
_NO_WORDS = {"no", "nope", "nah"}


def _starts(text: str, phrase: str) -> bool:
    return text == phrase or text.startswith(phrase + " ")


def yes_no(text: str) -> Answer:
    """YES/NO when the utterance is (or begins with) an answer, else NONE.

    "no two nights" is NO (with a correction after it); "yes please" is YES; "not friday" is
    NONE (a correction, not a refusal).
    """
    t = normalize(text)
    if not t:
        return Answer.NONE
    for phrase in sorted(_NO_PHRASES, key=len, reverse=True):
        if _starts(t, phrase):
            if phrase in ("it's not", "it isn't", "don't", "do not") and t != phrase:
                continue
            return Answer.NO
    for phrase in sorted(_YES_PHRASES, key=len, reverse=True):
        if _starts(t, phrase):
            if phrase in ("please", "right", "fine", "i do", "i would", "it is") and t != phrase:
                continue
            return Answer.YES
    words = t.split()
    if words[0] in ("oh", "um", "uh", "er", "erm", "well", "hmm") and len(words) > 1:
        return yes_no(" ".join(words[1:]))
    if words[-1] in _YES_WORDS and len(words) <= 3:
        return Answer.YES
    if words[-1] in _NO_WORDS and len(words) <= 3:
        return Answer.NO
    return Answer.NONE
