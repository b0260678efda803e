"""CMU PocketSphinx recognizer (acoustic model and cmudict ship inside the `pocketsphinx` wheel).

Three search modes: `hotel_lm` (trigram LM built from the hotel phrases, the default), `jsgf`
(grammar accepting only the template language) and `default` (the wheel's general en-us LM and
full dictionary, as a baseline). In `hotel_lm` mode each dialogue-state context is a search of
its own (an LM, or a JSGF grammar for the name question), and spelled booking codes are also
decoded by a second decoder with a code grammar (which also re-hears a phone number heard one
digit short, and a code that is none of the hotel's live ones against the close live ones,
`spelled_codes`), and name turns by one with the general LM (to check the surname the name grammar
chose). The C decoder holds the GIL while decoding, so run several recognizers in worker
processes, not threads (`media.speech.stt_pool`).
"""

from __future__ import annotations

import itertools
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pocketsphinx import Config, Decoder

from media.frames import PCM16
from media.speech import hotel_lm, hotel_phrases, phone_model, spelled_codes
from media.speech.spelled_codes import close_codes, looks_spelled
from media.speech.stt import STT_SAMPLE_RATE, Partial, Transcript, Word

log = logging.getLogger(__name__)
Mode = Literal["hotel_lm", "jsgf", "default"]
_FRAME_MS = 10.0  # pocketsphinx frame rate is 100/s
_MAX_MS_PER_PHONE = 250.0  # longer words are more likely noise absorbed by one word


@dataclass(frozen=True, slots=True)
class PocketsphinxSettings:
    """Decoder choice and tuning. `options` are extra pocketsphinx config keys."""

    mode: Mode = "hotel_lm"
    cache_dir: str | None = None
    means: str | None = None  # Gaussian means in place of the model's (`phone_model`)
    cmn_init: str | None = None  # the cepstral mean a new decoder starts from (None: the model's)
    partial_every_ms: float = 300.0
    noise_floor: float = 200.0
    reset_cmn: bool = False  # start each turn from the initial cepstral mean
    n_best: int = 5  # alternative hypotheses returned with each transcript
    options: tuple[tuple[str, Any], ...] = field(default=(
        ("lw", 8.0), ("pl_window", 0), ("fwdflat", False), ("bestpath", True), ("topn", 16),
        ("beam", 1e-60), ("wbeam", 1e-40), ("pbeam", 1e-60), ("maxhmmpf", -1),
    ))
    # Beams of the grammar contexts (`hotel_lm.GRAMMAR_CONTEXTS`): with the LM's very wide
    # beams a grammar's lattice is so large that `finish()` takes 0.4-1.7 s; these keep it
    # under ~35 ms with the same names recognized on the scenario lines.
    grammar_options: tuple[tuple[str, Any], ...] = field(default=(
        ("beam", 1e-40), ("wbeam", 1e-20), ("pbeam", 1e-40),
    ))
    # Search options for single contexts, (context, ((key, value), ...)), applied on top.
    context_options: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    # Contexts whose turns a second decoder also hears with a booking-code grammar: the LM
    # turns spelled codes into other letters ("c r t eight n two" -> "c r t x n two"), a
    # grammar of codes only does not (7/8 codes right on captured scenario turns vs 3/8). Its
    # result replaces the LM's when the LM heard letters and the two codes differ in at most
    # two characters. Costs a second decode of those turns.
    code_grammar_contexts: tuple[str, ...] = ("digits", "code")
    # In these contexts a phone number the LM heard one digit short is heard again: the LM
    # drops one of two ohs said together ("nine oh oh five" -> "nine oh five", every captured
    # run), since each extra digit costs it an LM factor of ~1/11 and espeak runs the two
    # vowels into one. At `finish()` the code decoder re-decodes the turn's audio with a
    # grammar of the LM's readings with one digit said twice that give a UK number of the
    # right length (`_doubled_digit_readings`), and the best one is taken. (With the LM's own
    # short text in the grammar too, it won the scenario's phone-line turn, and the dialogue
    # then took a wrong n-best number: "... nine oh five five oh five".) Costs
    # nothing on other turns (a grammar of all UK numbers beside the codes cost every digits
    # turn ~20 % more CPU, and inserted digits of its own: "oh four seven seven ...").
    phone_fix_contexts: tuple[str, ...] = ("digits",)
    # Contexts whose turns a second decoder also hears with the general hotel LM, to check the
    # surname the name grammar chose: a grammar must pick one of its 44 surnames whatever was
    # said ("lucy hill" -> "lucy taylor", "ella ward" -> "ella moore"), while the LM, with all
    # its other words to choose from, names a surname only when the audio fits one. When both
    # hear the same first name but different surnames, the LM's surname is taken
    # (`prefer_lm_surname`). Costs a second decode of those (short) turns.
    surname_check_contexts: tuple[str, ...] = ("name",)


def build_config(settings: PocketsphinxSettings) -> Config:
    config = Config()
    config["loglevel"] = "FATAL"
    if settings.mode != "default":
        files = hotel_lm.ensure_built(Path(settings.cache_dir) if settings.cache_dir else None)
        config["dict"] = str(files.dictionary)
        if settings.mode == "jsgf":
            config["lm"] = None
            config["jsgf"] = str(files.jsgf)
        else:
            config["lm"] = str(files.arpa)
    for key, value in settings.options:
        config[key] = value
    if settings.means is not None:
        config["mean"] = settings.means
    if settings.cmn_init is not None:
        config["cmninit"] = settings.cmn_init
    return config


def phone_settings(cache_dir: str | None = None) -> PocketsphinxSettings:
    """Settings for phone lines: the model adapted to a phone line's band, and the cepstral
    mean a recognizer with it settles on (docs/stt.md, "Phone lines")."""
    means = phone_model.phone_means(Path(cache_dir) if cache_dir else hotel_lm.default_cache_dir())
    return PocketsphinxSettings(cache_dir=cache_dir, means=str(means),
                                cmn_init=phone_model.PHONE_CMNINIT.read_text().strip())


def phone_recognizer() -> PocketsphinxRecognizer:
    """A recognizer for phone lines (a `RecognizerPool` phone factory). If the phone line's
    model cannot be made (an unwritable cache, a damaged transform file), phone calls are
    heard by the wide-band model, worse but heard, and the cause is logged."""
    try:
        settings = phone_settings()
    except (OSError, phone_model.ModelFileError):
        log.exception("phone-line acoustic model unavailable; phone calls get the wide-band one")
        settings = PocketsphinxSettings()
    return PocketsphinxRecognizer(settings)


_FIRST = frozenset(hotel_phrases.FIRST_NAMES)
_SURNAME = frozenset(hotel_phrases.SURNAMES)


def _full_name(words: list[str]) -> int:
    """Index of the first "first-name surname" pair in `words`, or -1."""
    return next((i for i in range(len(words) - 1)
                 if words[i] in _FIRST and words[i + 1] in _SURNAME), -1)


def prefer_lm_surname(grammar_text: str, lm_text: str) -> str:
    """`grammar_text` with its surname replaced by the LM's when both heard a full name with
    the same first name and different surnames; otherwise `grammar_text` unchanged."""
    g, lm = grammar_text.split(), lm_text.split()
    i, j = _full_name(g), _full_name(lm)
    if i < 0 or j < 0 or g[i] != lm[j] or g[i + 1] == lm[j + 1]:
        return grammar_text
    return " ".join([*g[:i + 1], lm[j + 1], *g[i + 2:]])


_PHONE_DIGIT = {w: str(i) for i, w in enumerate(hotel_phrases.SLOTS["pd"][1:])} | {"oh": "0"}


def _phone_digits(text: str) -> str:
    """The digits a phone number in `text` is made of ("+" first if said with "plus")."""
    words = text.split()
    digits = "".join(_PHONE_DIGIT.get(w, "") for w in words)
    return "+" + digits if "plus" in words else digits


def _valid_phone(digits: str) -> bool:
    """A UK number said digit by digit: 0 and 10 more digits, or +44 and 10 digits."""
    if digits.startswith("+"):
        return digits.startswith("+44") and len(digits) == 13
    return digits.startswith("0") and len(digits) == 11


def _doubled_digit_readings(text: str) -> tuple[str, ...]:
    """`text` with one of its digit words said twice, where that makes the phone number in it
    one of the right length; () unless the LM's number (seven digits or more) is of the wrong
    length."""
    digits = _phone_digits(text)
    if len(digits.lstrip("+")) < 7 or _valid_phone(digits):
        return ()
    words = text.split()
    out: list[str] = []
    for i, word in enumerate(words):
        if word in _PHONE_DIGIT:
            reading = " ".join([*words[:i + 1], word, *words[i + 1:]])
            if _valid_phone(_phone_digits(reading)) and reading not in out:
                out.append(reading)
    return tuple(out)


def _end_utt(decoder: Decoder | None) -> str:
    """End `decoder`'s turn: its best hypothesis, or ''."""
    if decoder is None:
        return ""
    decoder.end_utt()
    hyp = decoder.hyp()
    return " ".join(hyp.hypstr.split()) if hyp is not None else ""


def _retext(words: tuple[Word, ...], text: str) -> tuple[Word, ...]:
    """`words` carrying the texts of `text`'s words (when the counts match; else unchanged)."""
    new = text.split()
    if len(new) != len(words):
        return words
    return tuple(Word(t, w.start_ms, w.end_ms, w.confidence) for w, t in zip(words, new,
                                                                             strict=True))


class PocketsphinxRecognizer:
    """A `StreamingRecognizer` owning one pocketsphinx `Decoder` (not thread-safe)."""

    def __init__(self, settings: PocketsphinxSettings | None = None) -> None:
        self.settings = settings or PocketsphinxSettings()
        self._decoder = Decoder(build_config(self.settings))
        self._contexts: set[str] = set()
        if self.settings.mode == "hotel_lm":
            files = hotel_lm.ensure_built(
                Path(self.settings.cache_dir) if self.settings.cache_dir else None)
            for name, path in files.contexts.items():
                self._add_search(name, path)
                self._contexts.add(name)
        self._context: str | None = None
        self._cmn0 = self._decoder.get_cmn()
        self._samples = 0
        self._decode_s = 0.0
        self._next_partial = 0.0
        self._in_utt = False
        self._rng = np.random.default_rng(0)
        self._codes: Decoder | None = None  # the code-grammar decoder, made on first use
        self._codes_on = False
        self._lm: Decoder | None = None  # the general-LM decoder for surnames, on first use
        self._lm_on = False
        # The turn's audio (as decoded) and the CMN it started from, kept where it may be heard
        # again: a phone number one digit short (`_finish_phone`), a code that is not one of
        # the live codes given to `start()` (`_finish_known`).
        self._audio: list[bytes] | None = None
        self._audio_cmn = ""
        self._known: tuple[str, ...] = ()

    def _code_decoder(self) -> Decoder:
        if self._codes is None:
            config = build_config(self.settings)
            for key, value in (*self.settings.grammar_options, ("bestpath", False)):
                config[key] = value
            self._codes = Decoder(config)
            self._codes.add_jsgf_string("code", hotel_lm.build_jsgf(
                {"code": hotel_phrases.TEMPLATES["code"]}))
            self._codes.activate_search("code")
        return self._codes

    def _lm_decoder(self) -> Decoder:
        if self._lm is None:
            self._lm = Decoder(build_config(self.settings))
        return self._lm

    def _add_search(self, name: str, path: Path) -> None:
        """Add a context's LM or JSGF search. A search reads its beams and weights from the
        config when it is created, so its own options are set around the call."""
        grammar = path.suffix == ".gram"
        options = (*(self.settings.grammar_options if grammar else ()),
                   *dict(self.settings.context_options).get(name, ()))
        config = self._decoder.config
        saved = [(key, config[key]) for key, _ in options]
        for key, value in options:
            config[key] = value
        try:
            if grammar:
                self._decoder.add_jsgf_file(name, str(path))
            else:
                self._decoder.add_lm_file(name, str(path))
        finally:
            for key, value in reversed(saved):
                config[key] = value

    @property
    def name(self) -> str:
        return f"pocketsphinx-{self.settings.mode}"

    @property
    def cmn(self) -> str:
        """The live cepstral mean the next turn starts from, in pocketsphinx's text form. It is
        carried from turn to turn, so what a turn hears depends on the turns before it."""
        return str(self._decoder.get_cmn())

    @cmn.setter
    def cmn(self, value: str) -> None:
        self._decoder.set_cmn(value)

    @property
    def contexts(self) -> frozenset[str]:
        """Names usable as `start(context=...)` (see `hotel_lm.CONTEXTS`)."""
        return frozenset(self._contexts)

    def start(self, context: str | None = None, codes: Sequence[str] = ()) -> None:
        """Begin a turn; `context` picks a dialogue-state LM (None: the general hotel LM).
        `codes` are the booking codes the guest may spell (the hotel's live ones): in a code
        context, a spelled code that is none of them is heard again against the close ones
        (`media.speech.spelled_codes`)."""
        if self._in_utt:
            self._decoder.end_utt()
            self._finish_codes()
            self._finish_lm()
        if context is not None and context not in self._contexts:
            raise KeyError(f"unknown recognition context {context!r}")
        if context != self._context:
            self._decoder.activate_search(context)
            self._context = context
        if self.settings.reset_cmn:
            self._decoder.set_cmn(self._cmn0)
        self._decoder.start_utt()
        self._codes_on = context is not None and context in self.settings.code_grammar_contexts
        if self._codes_on:
            grammar = self._code_decoder()
            grammar.set_cmn(self._decoder.get_cmn())
            grammar.start_utt()
        phone_on = context is not None and context in self.settings.phone_fix_contexts
        self._known = tuple(codes) if self._codes_on else ()
        keep = phone_on or bool(self._known)
        self._audio = [] if keep else None
        self._audio_cmn = self._decoder.get_cmn() if keep else ""
        self._lm_on = context is not None and context in self.settings.surname_check_contexts
        if self._lm_on:
            lm = self._lm_decoder()
            lm.set_cmn(self._decoder.get_cmn())
            lm.start_utt()
        self._in_utt = True
        self._samples = 0
        self._decode_s = 0.0
        self._next_partial = self.settings.partial_every_ms
        self._rng = np.random.default_rng(0)

    def feed(self, pcm16_16k: PCM16) -> Partial | None:
        if not self._in_utt:
            self.start()
        if pcm16_16k.size == 0:
            return None
        t0 = time.perf_counter()
        raw = self._floor(pcm16_16k).tobytes()
        self._decoder.process_raw(raw, False, False)
        if self._codes_on and self._codes is not None:
            self._codes.process_raw(raw, False, False)
        if self._lm_on and self._lm is not None:
            self._lm.process_raw(raw, False, False)
        if self._audio is not None:
            self._audio.append(raw)
        self._samples += pcm16_16k.size
        partial = None
        audio_ms = 1000.0 * self._samples / STT_SAMPLE_RATE
        if audio_ms >= self._next_partial:
            self._next_partial = audio_ms + self.settings.partial_every_ms
            hyp = self._decoder.hyp()
            partial = Partial(hyp.hypstr if hyp is not None else "", audio_ms)
        self._decode_s += time.perf_counter() - t0
        return partial

    def partial(self) -> Partial:
        """The best hypothesis for the audio fed so far, without ending the turn."""
        hyp = self._decoder.hyp() if self._in_utt else None
        return Partial(hyp.hypstr if hyp is not None else "",
                       1000.0 * self._samples / STT_SAMPLE_RATE)

    def _duration_fit(self, dict_word: str, duration_ms: float) -> float:
        """1 for plausible durations, falling for words stretched over noise or silence."""
        pron = self._decoder.lookup_word(dict_word) or ""
        limit = 150.0 + _MAX_MS_PER_PHONE * max(1, len(pron.split()))
        return min(1.0, limit / duration_ms) if duration_ms > 0 else 1.0

    def _floor(self, pcm: PCM16) -> PCM16:
        """Add a faint white-noise floor so digital silence and band gaps stay finite."""
        if self.settings.noise_floor <= 0:
            return pcm.astype("<i2", copy=False)
        x = pcm + self._rng.standard_normal(pcm.size) * self.settings.noise_floor
        return np.clip(x, -32768, 32767).astype("<i2")

    def finish(self) -> Transcript:
        t0 = time.perf_counter()
        if not self._in_utt:
            self.start()
        self._decoder.end_utt()
        self._in_utt = False
        hyp = self._decoder.hyp()
        text = hyp.hypstr.strip() if hyp is not None else ""
        words = tuple(self._words()) if text else ()
        confidence = math.fsum(w.confidence for w in words) / len(words) if words else 0.0
        alternatives = self._alternatives(text) if text and self.settings.n_best > 0 else ()
        audio, self._audio = self._audio, None
        code = self._finish_codes()
        known = self._finish_known(text, code, audio)
        if code and code != text and looks_spelled(text) and close_codes(code, text):
            # Words and confidence stay the LM's (the grammar search keeps no lattice).
            text, alternatives = code, self._demote(text, alternatives, code)
        if known and known != text:  # a live code the audio fits: taken, as the code above
            text, alternatives = known, self._demote(text, alternatives, known)
        phone = self._finish_phone(text, audio)
        if phone != text:  # words and confidence stay the LM's, as for codes
            text, alternatives = phone, self._demote(text, alternatives, phone)
        lm_text = self._finish_lm()
        checked = prefer_lm_surname(text, lm_text) if text and lm_text else text
        if checked != text:  # only the surname's text changes; timing stays the grammar's
            words = _retext(words, checked)
            text, alternatives = checked, self._demote(text, alternatives, checked)
        finish_s = time.perf_counter() - t0
        self._decode_s += finish_s
        return Transcript(text, confidence, words, 1000.0 * self._samples / STT_SAMPLE_RATE,
                          1000.0 * finish_s, 1000.0 * self._decode_s, alternatives)

    def _demote(self, text: str, alternatives: tuple[str, ...], best: str) -> tuple[str, ...]:
        """The alternatives once `best` replaces `text`: `text` first, `best` left out."""
        kept = tuple(a for a in (text, *alternatives) if a != best)
        return kept[:max(1, self.settings.n_best)]

    def _finish_codes(self) -> str:
        """End the code-grammar decoder's turn (if it ran): its best code, or ''."""
        on, self._codes_on = self._codes_on, False
        return _end_utt(self._codes) if on else ""

    def _finish_phone(self, text: str, audio: list[bytes] | None) -> str:
        """`text`, or, when the LM heard a phone number one digit short (only in
        `phone_fix_contexts`), its reading with one digit said twice that the turn's audio
        fits best."""
        readings = _doubled_digit_readings(text) if audio is not None else ()
        if not readings or audio is None:
            return text
        grammar = " | ".join(readings)
        best = self._hear_again(
            "phone", f"#JSGF V1.0;\ngrammar phone;\npublic <n> = {grammar};\n", audio)
        return best if best in readings else text

    def _finish_known(self, text: str, code: str, audio: list[bytes] | None) -> str:
        """When the LM heard spelling that is none of the live codes given to `start()`: the
        code grammar's result if it is one, else the turn heard again against the live codes
        close to either, the one the audio fits; '' if none fits or there is nothing to do."""
        known, self._known = self._known, ()
        if not known or audio is None or not looks_spelled(text):
            return ""
        heard = [spelled_codes.code_chars(text), spelled_codes.code_chars(code)]
        live = {c.upper() for c in known}
        if heard[0] in live:
            return ""
        if heard[1] in live:
            return code
        near = spelled_codes.candidates(live, heard)
        if not near:
            return ""
        # Whatever the grammar hears is one of `near` ("a" is the letter there, not the article).
        return self._hear_again("known", spelled_codes.known_codes_jsgf(near), audio)

    def _hear_again(self, name: str, jsgf: str, audio: list[bytes]) -> str:
        """The turn's `audio` decoded again by the code decoder with grammar `jsgf`, from the
        cepstral mean the turn started with; '' if the grammar is refused or nothing fits."""
        codes = self._code_decoder()
        try:
            codes.add_jsgf_string(name, jsgf)
            codes.activate_search(name)
            codes.set_cmn(self._audio_cmn)
            codes.start_utt()
            codes.process_raw(b"".join(audio), False, False)
            return _end_utt(codes)
        except RuntimeError:  # a grammar pocketsphinx refuses: what was heard stands
            log.warning("recognizer: the %s grammar was refused", name)
            return ""
        finally:
            codes.activate_search("code")

    def _finish_lm(self) -> str:
        """End the general-LM decoder's turn (if it ran): its best hypothesis, or ''."""
        on, self._lm_on = self._lm_on, False
        return _end_utt(self._lm) if on else ""

    def _alternatives(self, best: str) -> tuple[str, ...]:
        """Up to `n_best` distinct n-best hypotheses other than `best` (about 1 ms)."""
        out: list[str] = []
        for hyp in itertools.islice(self._decoder.nbest(), 4 * self.settings.n_best):
            if hyp is None:  # the n-best search can yield an empty entry (seen on phone audio)
                continue
            text = " ".join(hyp.hypstr.split())
            if text and text != best and text not in out:
                out.append(text)
                if len(out) >= self.settings.n_best:
                    break
        return tuple(out)

    def _words(self) -> list[Word]:
        out: list[Word] = []
        for seg in self._decoder.seg():
            word = seg.word.split("(", 1)[0]
            if word.startswith(("<", "[")):
                continue
            start, end = seg.start_frame * _FRAME_MS, (seg.end_frame + 1) * _FRAME_MS
            conf = min(1.0, max(0.0, float(seg.prob))) * self._duration_fit(seg.word, end - start)
            out.append(Word(word, start, end, conf))
        return out
