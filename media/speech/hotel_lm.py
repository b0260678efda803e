"""Builds the hotel-domain recognizer resources from `hotel_phrases`: ARPA LM, dictionary, JSGF.

Everything is generated in pure Python from the phrase templates (no downloads): a Witten-Bell
interpolated trigram LM over `TRAIN_SENTENCES` sentences drawn with `TRAIN_SEED`, a dictionary
restricted to the domain words (pronunciations from the cmudict bundled in the pocketsphinx
wheel), and a JSGF grammar that accepts exactly the template language. `ensure_built()` writes
them once into a cache directory keyed by a hash of the phrase data; `python -m
media.speech.hotel_lm [DIR]` prebuilds them (e.g. while building an image).
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from media.speech import hotel_phrases as hp

TRAIN_SEED = 1
TRAIN_SENTENCES = 40_000
LM_ORDER = 3
BUILD_VERSION = "2"  # bump when the build code changes what it writes
# Pronunciations the bundled cmudict lacks (added after its own, if it has the word).
EXTRA_PRONUNCIATIONS: dict[str, tuple[str, ...]] = {
    "margherita": ("M AA R G ER IY T AH", "M AA R G AH R IY T AH"),
}

# British English vowels the US acoustic model hears as others: the TRAP vowel is an open [a]
# ("saturday" [satədeɪ], "back" [bak]), nearer AA than AE ("this saturday" -> "this sunday",
# "call me back" -> "call me lock"); the GOAT vowel is [əʊ], not [oʊ] ("room only" -> "room
# really", "two oh three" -> "two three"). Each word gets a variant per vowel (applied in turn,
# so a word with both gets the combined form too) - except names: in the name grammar extra
# variants make names run together ("tom green" -> "sam green").
BRITISH_VOWELS: tuple[tuple[str, str], ...] = (("AE", "AA"), ("OW", "ER UW"))


def british_variants(word: str, prons: Sequence[str]) -> list[str]:
    """`prons` plus their British-vowel forms (`BRITISH_VOWELS`); names are left as they are."""
    out = list(prons)
    if word in hp.FIRST_NAMES or word in hp.SURNAMES:
        return out
    for us, gb in BRITISH_VOWELS:
        for pron in list(out):
            phones = pron.split()
            if us in phones:
                variant = " ".join(gb if ph == us else ph for ph in phones)
                if variant not in out:
                    out.append(variant)
    return out


# Dialogue-state LMs: when the agent has just asked a question (a phone number, a name, a yes
# or no), the engine switches the recognizer to an LM trained mostly on the phrases that answer
# it. Each is also trained on `CONTEXT_GENERAL_SENTENCES` general phrases, so a guest who
# answers with something else ("actually can I speak to someone") is still recognized.
CONTEXTS: dict[str, tuple[str, ...]] = {
    "digits": ("phone", "code", "yes", "no", "repeat"),
    # The code question's: `digits` and a guest saying they have no code. In `digits`, which
    # the phone question keeps, those answers cost a phone number its digits; without the
    # phone templates, or with names ("it's under ben carter"), codes were heard worse.
    "code": ("phone", "code", "no_code", "yes", "no", "repeat"),
    "booking": ("book", "change", "correction", "holiday_date", "yes", "no", "repeat"),
    # "Which type of room?" and "room only, or bed and breakfast?": `booking` with the choices
    # by price or breakfast ("the cheapest one", "breakfast please"). In `booking` itself they
    # cost dates their words ("december fourth" -> "it's emily fourth", "is breakfast
    # included" -> "the breakfast included" at the nights question).
    "room": ("book", "change", "correction", "room_choice", "yes", "no", "repeat"),
    # "What would you like to change?": `booking` with the stay moved without a date ("a day
    # later please") and a longer or shorter stay ("one more night please", "until sunday"),
    # kept out of `booking` as the room choices are.
    "changes": ("book", "change", "correction", "stay_shift", "stay_longer", "yes", "no",
                "repeat"),
    "yesno": ("yes", "no", "correction", "stay_shift", "thanks", "bye", "repeat"),
    # "Is there anything else I can help you with?": a yes or no, thanks, goodbye, or the next
    # request, everyday ones included (`REQUEST_TEMPLATES`; in `yesno` they cost a read-back's
    # correction: "not friday saturday" -> "no friday papa great" over a phone line).
    "next": ("yes", "no", "thanks", "bye", "repeat", "requests"),
    "name": ("identify", "yes", "no", "repeat"),
    "items": ("room_service", "housekeeping", "correction", "identify", "repeat"),
    "when": ("callback_time", "callback_correction", "callback", "yes", "no", "repeat"),
    "guests": ("book", "correction", "party_answer", "yes", "no", "repeat"),
}
# Templates left out of a context's LM: answering "may I have the name?" with a room number
# is unlikely, and "{first} {surname} room {room_number}" made "lucy hill" come out as
# "lucy three oh".
CONTEXT_EXCLUDED_SLOTS: dict[str, tuple[str, ...]] = {"name": ("room_number",),
                                                  "items": ("code", "phone")}
# Contexts decoded with a JSGF grammar instead of an LM: the closed set of answers the question
# gets. A name is two words from long lists that the trigram LM cannot tell apart from other
# short words ("lucy hill" -> "lucy three oh", "peter king" -> "the booking"); the grammar only
# allows names where names go (8-9/13 scenario names right vs 4/13) and, being small, decodes
# at ~0.05 x real time. Its alternatives still cover yes, no, repeat and transfer requests.
GRAMMAR_CONTEXTS: dict[str, tuple[str, ...]] = {
    "name": ("identify", "yes", "no", "repeat", "transfer"),
}
# Contexts trained only on the templates whose slots are all in this list: "how many guests?"
# is answered with a number of people (or a party named: "me and my two kids"), and in the
# whole booking LM "nine people" came out as "i'm people" (scenario turns: 'guests' 11/11 in
# three captured runs, 'booking' 10/11 twice).
CONTEXT_ONLY_SLOTS: dict[str, tuple[str, ...]] = {"guests": ("guests", "n2", "n1", "party")}
CONTEXT_SENTENCES = 10_000
CONTEXT_GENERAL_SENTENCES = 2_000
# The dialogue's `Reply.expecting` (the slot or yes/no question just asked) -> context.
EXPECTING_CONTEXT: dict[str, str] = {
    "phone": "digits", "confirmation_code": "code",
    "check_in": "booking", "check_out": "booking", "nights": "booking", "guests": "guests",
    "room_type": "room", "rate_plan": "room", "changes": "changes",
    "guest_name": "name", "room_number": "items", "items": "items", "when": "when",
    "booking_name": "name", "arrival": "booking",  # a booking looked up without its code
    "confirm_booking": "yesno", "confirm_change": "yesno", "confirm_cancel": "yesno",
    "accept_charge": "yesno", "confirm_order": "yesno", "offer_sms": "yesno",
    "offer_transfer": "yesno", "offer_callback": "yesno", "offer_booking": "yesno",
    "offer_order": "yesno",
    "pick_room": "yesno", "multi_room": "yesno", "anything_else": "next",
    "which_end": "booking",  # "arriving" / "leaving (on the 14th)"
    "confirm_callback": "when",  # its answers include a corrected time
    "confirm_sms": "digits",  # its answers include a corrected number
}


def context_for(expecting: str | None) -> str | None:
    """The recognition context for the dialogue's expectation (None: the general LM)."""
    return EXPECTING_CONTEXT.get(expecting) if expecting else None

Ngram = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LmFiles:
    """Paths of one built set of hotel recognizer resources."""

    directory: Path
    arpa: Path
    dictionary: Path
    jsgf: Path
    contexts: dict[str, Path]  # context name -> .arpa, or .gram for GRAMMAR_CONTEXTS


def training_sentences(n: int = TRAIN_SENTENCES, seed: int = TRAIN_SEED) -> list[str]:
    """LM training text: generated phrases plus every fixed (slot-free) template once; the
    `REQUEST_TEMPLATES` as often as one intent of the templates."""
    every = [*hp.TEMPLATES.values(), *hp.REQUEST_TEMPLATES.values()]
    fixed = [t for ts in every for t in ts if "{" not in t]
    requests = hp.generate(n // len(hp.TEMPLATES), seed + 2, templates=hp.REQUEST_TEMPLATES)
    return fixed + [p.text for p in hp.generate(n, seed)] + [p.text for p in requests]


def cmudict_path() -> Path:
    from pocketsphinx import get_model_path

    return Path(get_model_path()) / "en-us" / "cmudict-en-us.dict"


def dictionary_lines(words: Iterable[str], cmudict: Path | None = None) -> list[str]:
    """cmudict lines (with alternates) for `words`; raises if a word has no pronunciation."""
    wanted = set(words)
    prons: dict[str, list[str]] = {}
    with open(cmudict or cmudict_path(), encoding="utf-8") as f:
        for line in f:
            head, _, pron = line.strip().partition(" ")
            base = head.split("(", 1)[0]
            if base in wanted:
                prons.setdefault(base, []).append(pron.split("#", 1)[0].strip())
    for word, extra in EXTRA_PRONUNCIATIONS.items():
        if word in wanted:
            prons.setdefault(word, []).extend(p for p in extra if p not in prons.get(word, []))
    prons = {word: british_variants(word, ps) for word, ps in prons.items()}
    lines = [f"{word}{'' if i == 0 else f'({i + 1})'} {p}"
             for word, ps in prons.items() for i, p in enumerate(ps)]
    found = set(prons)
    missing = wanted - found
    if missing:
        raise ValueError(f"no pronunciation for {sorted(missing)}")
    return sorted(lines)


def _count(sentences: Sequence[str], order: int) -> list[Counter[Ngram]]:
    counts: list[Counter[Ngram]] = [Counter() for _ in range(order + 1)]
    for sentence in sentences:
        words = ["<s>", *sentence.split(), "</s>"]
        for k in range(1, order + 1):
            for i in range(len(words) - k + 1):
                gram = tuple(words[i:i + k])
                if gram != ("<s>",):
                    counts[k][gram] += 1
    return counts


def build_arpa(sentences: Sequence[str], vocab: Iterable[str], order: int = LM_ORDER) -> str:
    """Witten-Bell interpolated n-gram LM in ARPA format; every `vocab` word gets a unigram."""
    counts = _count(sentences, order)
    words = sorted(set(vocab) | {w for (w,) in counts[1]} | {"</s>"})
    total = sum(counts[1].values())
    types = len(counts[1])
    probs: list[dict[Ngram, float]] = [{} for _ in range(order + 1)]
    probs[1] = {(w,): (counts[1][(w,)] + types / len(words)) / (total + types) for w in words}
    bows: list[dict[Ngram, float]] = [{} for _ in range(order + 1)]
    for k in range(2, order + 1):
        ctx_total: dict[Ngram, int] = defaultdict(int)
        ctx_types: dict[Ngram, int] = defaultdict(int)
        for gram, c in counts[k].items():
            ctx_total[gram[:-1]] += c
            ctx_types[gram[:-1]] += 1
        for ctx in ctx_total:
            bows[k - 1][ctx] = ctx_types[ctx] / (ctx_total[ctx] + ctx_types[ctx])

        def lower(gram: Ngram, k: int = k) -> float:
            suffix = gram[1:]
            if len(suffix) == 1:
                return probs[1][suffix]
            if suffix in probs[k - 1]:
                return probs[k - 1][suffix]
            return bows[k - 2].get(suffix[:-1], 1.0) * lower(suffix, k - 1)

        for gram, c in counts[k].items():
            ctx = gram[:-1]
            t = ctx_types[ctx]
            probs[k][gram] = (c + t * lower(gram)) / (ctx_total[ctx] + t)
    out = ["\\data\\"]
    sizes = [len(probs[1]) + 1, *(len(probs[k]) for k in range(2, order + 1))]
    out += [f"ngram {k}={n}" for k, n in enumerate(sizes, start=1)]
    for k in range(1, order + 1):
        out += ["", f"\\{k}-grams:"]
        if k == 1:
            out.append(f"-99.0000 <s> {math.log10(bows[1].get(('<s>',), 1.0)):.4f}")
        for gram in sorted(probs[k]):
            line = f"{math.log10(probs[k][gram]):.4f} {' '.join(gram)}"
            if k < order and gram in bows[k]:
                line += f" {math.log10(bows[k][gram]):.4f}"
            out.append(line)
    out += ["", "\\end\\", ""]
    return "\n".join(out)


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def jsgf_alternative(text: str) -> str:
    """A template as a JSGF alternative: its {slot}s as <slot> rules."""
    return _PLACEHOLDER.sub(lambda m: f"<{m.group(1)}>", text)


def _slots_used(texts: Iterable[str]) -> set[str]:
    """Every slot `texts` reference, directly or through other slots' values."""
    found: set[str] = set()
    todo = [m for t in texts for m in _PLACEHOLDER.findall(t)]
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo += [m for v in hp.SLOTS[name] for m in _PLACEHOLDER.findall(v)]
    return found


def build_jsgf(templates: dict[str, tuple[str, ...]] | None = None) -> str:
    """A JSGF grammar accepting exactly the phrases `templates` (default: all) can generate."""
    templates = hp.TEMPLATES if templates is None else templates
    lines = ["#JSGF V1.0;", "grammar hotel;", ""]
    intents = " | ".join(f"<intent_{name}>" for name in templates)
    lines.append(f"public <utterance> = {intents};")
    for name, alts in templates.items():
        # Repeated alternatives (weighting in the LM data) mean nothing to a grammar.
        unique = dict.fromkeys(jsgf_alternative(t) for t in alts)
        lines.append(f"<intent_{name}> = {' | '.join(unique)};")
    for name in sorted(_slots_used(t for ts in templates.values() for t in ts)):
        unique = dict.fromkeys(jsgf_alternative(v) for v in hp.SLOTS[name])
        lines.append(f"<{name}> = {' | '.join(unique)};")
    return "\n".join(lines) + "\n"


def data_hash() -> str:
    """Identifies the phrase data and build settings, to key the cache."""
    blob = repr((BUILD_VERSION, TRAIN_SEED, TRAIN_SENTENCES, LM_ORDER, hp.TEMPLATES,
                 hp.ANSWER_TEMPLATES, hp.REQUEST_TEMPLATES, hp.SLOTS, EXTRA_PRONUNCIATIONS,
                 BRITISH_VOWELS, CONTEXTS, CONTEXT_EXCLUDED_SLOTS, CONTEXT_SENTENCES,
                 CONTEXT_GENERAL_SENTENCES, GRAMMAR_CONTEXTS, CONTEXT_ONLY_SLOTS))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def default_cache_dir() -> Path:
    root = os.environ.get("FRONTDESK_STT_CACHE")
    if root:
        return Path(root)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "frontdesk" / "stt"


def files_in(directory: Path) -> LmFiles:
    return LmFiles(directory, directory / "hotel.arpa", directory / "hotel.dict",
                   directory / "hotel.gram",
                   {name: directory / f"hotel-{name}.{_context_suffix(name)}" for name in CONTEXTS})


def _context_suffix(name: str) -> str:
    return "gram" if name in GRAMMAR_CONTEXTS else "arpa"


def context_templates(name: str) -> dict[str, tuple[str, ...]]:
    """The templates context `name` is trained on (its intents, minus excluded slots)."""
    excluded = set(CONTEXT_EXCLUDED_SLOTS.get(name, ()))
    only = CONTEXT_ONLY_SLOTS.get(name)
    intents = GRAMMAR_CONTEXTS.get(name, CONTEXTS[name])

    def keep(template: str) -> bool:
        used = set(_PLACEHOLDER.findall(template))
        return not used & excluded and (only is None or used <= set(only))

    every = {**hp.TEMPLATES, **hp.ANSWER_TEMPLATES, **hp.REQUEST_TEMPLATES}
    return {intent: tuple(t for t in every[intent] if keep(t)) for intent in intents}


def build(directory: Path) -> LmFiles:
    """Write hotel.arpa, hotel.dict, hotel.gram and the context LMs (atomically per file)."""
    directory.mkdir(parents=True, exist_ok=True)
    files = files_in(directory)
    vocab = hp.vocabulary()
    contents = {
        # Each LM's unigrams are the general words and its own answers' (an answer's words in
        # an LM never trained on them would only take probability from the others).
        files.arpa: build_arpa(training_sentences(), hp.vocabulary(tuple(hp.REQUEST_TEMPLATES))),
        files.dictionary: "\n".join(dictionary_lines(vocab)) + "\n",
        files.jsgf: build_jsgf(),
    }
    for name, intents in CONTEXTS.items():
        templates = context_templates(name)
        if name in GRAMMAR_CONTEXTS:
            contents[files.contexts[name]] = build_jsgf(templates)
            continue
        fixed = [t for i in intents for t in templates[i] if "{" not in t]
        lines = fixed + [p.text for p in hp.generate(CONTEXT_SENTENCES, TRAIN_SEED, intents,
                                                     templates)]
        lines += [p.text for p in hp.generate(CONTEXT_GENERAL_SENTENCES, TRAIN_SEED + 1)]
        answers = [i for i in intents if i in hp.ANSWER_TEMPLATES or i in hp.REQUEST_TEMPLATES]
        contents[files.contexts[name]] = build_arpa(lines, hp.vocabulary(answers))
    for path, content in contents.items():
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=path.name)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(content)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    return files


def ensure_built(cache_dir: Path | None = None) -> LmFiles:
    """The built resources for the current phrase data, building them on first use."""
    directory = (cache_dir or default_cache_dir()) / data_hash()
    files = files_in(directory)
    if not all(p.exists() for p in (files.arpa, files.dictionary, files.jsgf,
                                    *files.contexts.values())):
        files = build(directory)
    return files


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    built = build(target) if target else ensure_built()
    print(built.directory)
