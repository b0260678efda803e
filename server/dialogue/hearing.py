"""How well the recognizer heard the words a request rests on.

Nonsense ("purple monkey dishwasher") comes out of the hotel language model as hotel words
("double monday the eighth water", "could i add a fish and chips"), so it parses as a request.
What gives it away is that the recognizer was unsure of exactly those words: their lattice
posteriors are low. Short function words ("a", "i", "for", "the") are left out of the measure:
they compete with each other and with silence, so their posteriors are low in right
transcripts too ("is there availability next friday for a week": "for a" 0.04 / 0.16).
"""

from __future__ import annotations

from collections.abc import Sequence

from server.dialogue.words import normalize

# Words that carry no request on their own: articles, pronouns, prepositions, auxiliaries and
# the politeness around a request ("i'd like to", "can you", "please").
FUNCTION_WORDS = frozenset(("a", "an", "the", "i", "i'd", "i'm", "i'll", "i've", "me", "my",
    "we", "we'd", "we're", "we've", "us", "our", "you", "your", "it", "it's", "its", "is",
    "are", "was", "were", "am", "be", "been", "to", "for", "of", "and", "or", "on", "in", "at",
    "from", "by", "with", "into", "can", "could", "would", "will", "shall", "do", "does", "did",
    "have", "has", "had", "there", "this", "that", "these", "those", "like", "please", "some",
    "any", "just", "need", "want", "up", "get"))

HeardWords = Sequence[tuple[str, float]]  # (word, confidence 0..1), as the recognizer wrote them


def matches(words: HeardWords, text: str) -> bool:
    """Are `words` the words of `text` (so their confidences describe it)?"""
    return bool(words) and normalize(" ".join(w for w, _ in words)) == normalize(text)


def content_confidence(words: HeardWords) -> float:
    """Mean confidence of the words that are not function words (of all words if every one
    is a function word; 0 for none)."""
    content = [c for w, c in words if w.lower() not in FUNCTION_WORDS] or [c for _, c in words]
    return sum(content) / len(content) if content else 0.0
