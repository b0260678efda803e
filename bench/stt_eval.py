"""Speech-to-text accuracy and speed on synthetic hotel calls; prints a table.

    .venv/bin/python -m bench.stt_eval --split test --n 150 --systems default,hotel_lm,jsgf \
        --conditions clean,white20,white10,babble20,babble10,tel8k --jobs 2
    .venv/bin/python -m bench.stt_eval --split tune --n 20 --concurrency 4

WER, keyword accuracy (dates, numbers, room types, menu items; names and codes listed apart),
mean decode ms per utterance, real-time factor, and `finish()` latency (the time from the end of
the turn to the final transcript, since audio is decoded while it streams in).
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import functools
import json
import random
import statistics
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

from bench.stt_corpus import Utterance, degrade, utterances
from media.frames import PCM16
from media.speech.hotel_phrases import Phrase
from media.speech.spelled_codes import code_chars, edit_distance
from media.speech.stt import Transcript, transcribe
from media.speech.stt_pocketsphinx import (
    Mode,
    PocketsphinxRecognizer,
    PocketsphinxSettings,
    phone_settings,
)
from media.speech.stt_pool import RecognizerPool
from server.hotel.booking import CODE_ALPHABET

TARGET_CATEGORIES = ("date", "number", "room", "menu")


def contains(hyp: str, phrase: str) -> bool:
    return f" {phrase} " in f" {hyp} "


@dataclass(frozen=True, slots=True)
class Job:
    settings: PocketsphinxSettings
    # index, audio, context, live booking codes
    items: tuple[tuple[int, PCM16, str | None, tuple[str, ...]], ...]


def _run(job: Job) -> list[tuple[int, Transcript]]:
    rec = PocketsphinxRecognizer(job.settings)
    return [(idx, transcribe(rec, audio, context=ctx, codes=codes))
            for idx, audio, ctx, codes in job.items]


def live_codes(phrase: Phrase, others: int, seed: int) -> tuple[str, ...]:
    """A hotel's live codes for an utterance spelling a code: its own (the guest says the code
    of a booking that exists) among `others` random ones; () for other utterances."""
    own = [code_chars(k.text) for k in phrase.keywords if k.category == "code"]
    if not own or others <= 0:
        return ()
    rng = random.Random(seed)
    return (*own, *("".join(rng.choice(CODE_ALPHABET) for _ in range(6)) for _ in range(others)))


# hotel_ctx: the dialogue state (which question the agent just asked) picks the LM. Oracle
# state: the utterance's intent stands in for what the agent asked.
_CONTEXT_OF_INTENT = {"phone": "digits", "code": "code", "book": "booking",
                      "change": "booking", "correction": "booking", "yes": "yesno",
                      "no": "yesno", "identify": "name", "callback_time": "when",
                      "room_service": "items", "housekeeping": "items"}



def oracle_context(phrase: Phrase) -> str | None:
    """The context the dialogue would have picked: a room number answers "which room?" (the
    name question's grammar has no room numbers), other identify phrases the name question."""
    if phrase.intent == "identify" and any(k.slot == "room_number" for k in phrase.keywords):
        return "items"
    return _CONTEXT_OF_INTENT.get(phrase.intent)


def score(utts: Sequence[Utterance], results: Sequence[Transcript]) -> dict[str, float]:
    errors = ref_words = 0
    kw_hit: dict[str, int] = defaultdict(int)
    kw_all: dict[str, int] = defaultdict(int)
    for utt, res in zip(utts, results, strict=True):
        ref = utt.phrase.text.split()
        errors += edit_distance(ref, res.text.split())
        ref_words += len(ref)
        for kw in utt.phrase.keywords:
            kw_all[kw.category] += 1
            kw_hit[kw.category] += contains(res.text, kw.text)
    ok = [r.confidence for u, r in zip(utts, results, strict=True) if r.text == u.phrase.text]
    bad = [r.confidence for u, r in zip(utts, results, strict=True) if r.text != u.phrase.text]
    target_all = sum(kw_all[c] for c in TARGET_CATEGORIES)
    target_hit = sum(kw_hit[c] for c in TARGET_CATEGORIES)
    finish = [r.finish_ms for r in results]
    row = {
        "wer": 100.0 * errors / ref_words,
        "kw": 100.0 * target_hit / max(1, target_all),
        "decode_ms": statistics.fmean(r.decode_ms for r in results),
        "rtf": sum(r.decode_ms for r in results) / sum(r.audio_ms for r in results),
        "finish_ms_mean": statistics.fmean(finish),
        "finish_ms_p95": sorted(finish)[int(0.95 * (len(finish) - 1))],
        "finish_ms_max": max(finish),
        "n_kw": float(target_all),
        "sent_err": 100.0 * len(bad) / len(results),
        "conf_ok": statistics.fmean(ok) if ok else float("nan"),
        "conf_err": statistics.fmean(bad) if bad else float("nan"),
    }
    for cat, n in kw_all.items():
        row[f"kw_{cat}"] = 100.0 * kw_hit[cat] / n
    by_voice: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for utt, res in zip(utts, results, strict=True):
        ref = utt.phrase.text.split()
        by_voice[utt.voice.name][0] += edit_distance(ref, res.text.split())
        by_voice[utt.voice.name][1] += len(ref)
    for voice, (e, n) in by_voice.items():
        row[f"wer_{voice}"] = 100.0 * e / n
    return row


def _decode_all(rec: PocketsphinxRecognizer, audios: Sequence[PCM16]) -> None:
    for audio in audios:
        transcribe(rec, audio)


def gil_bench(utts: Sequence[Utterance]) -> None:
    """Throughput of 2 decoders: one after the other, in 2 threads, and in 2 processes."""
    audios = [u.audio for u in utts]
    recs = [PocketsphinxRecognizer(), PocketsphinxRecognizer()]
    t0 = time.perf_counter()
    for rec in recs:
        _decode_all(rec, audios)
    sequential = time.perf_counter() - t0
    threads = [threading.Thread(target=_decode_all, args=(rec, audios)) for rec in recs]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    threaded = time.perf_counter() - t0
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_warm, range(2)))
        t0 = time.perf_counter()
        list(pool.map(_decode_fresh, [audios, audios]))
        processes = time.perf_counter() - t0
    print(f"2 x {len(audios)} utterances: sequential {sequential:.2f} s, 2 threads {threaded:.2f} s"
          f" (speed-up {sequential / threaded:.2f}), 2 processes {processes:.2f} s"
          f" (speed-up {sequential / processes:.2f})")


def _warm(_: int) -> None:
    PocketsphinxRecognizer()


def _decode_fresh(audios: Sequence[PCM16]) -> None:
    _decode_all(PocketsphinxRecognizer(), audios)


async def pool_bench(utts: Sequence[Utterance], calls: int) -> None:
    """`calls` concurrent sessions streaming 20 ms chunks in real time through RecognizerPool."""
    factory = functools.partial(PocketsphinxRecognizer, PocketsphinxSettings())
    latencies: list[float] = []
    step = 320
    async with RecognizerPool(factory, workers=2) as pool:
        async def call(sid: str, mine: Sequence[Utterance]) -> None:
            for utt in mine:
                start = time.perf_counter()
                for k, i in enumerate(range(0, utt.audio.size, step)):
                    await pool.feed(sid, utt.audio[i:i + step], wait=False)
                    delay = start + (k + 1) * 0.02 - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                t0 = time.perf_counter()
                await pool.finish(sid)
                latencies.append(1000 * (time.perf_counter() - t0))

        await asyncio.gather(*(call(f"call-{c}", utts[c::calls]) for c in range(calls)))
    latencies.sort()
    print(f"pool, 2 workers, {calls} concurrent real-time calls, {len(latencies)} turns: "
          f"finish latency mean {statistics.fmean(latencies):.1f} ms, "
          f"p95 {latencies[int(0.95 * (len(latencies) - 1))]:.1f} ms, max {latencies[-1]:.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--split", choices=("tune", "tune2", "valid", "test"), default="test")
    ap.add_argument("--n", type=int, default=120)
    ap.add_argument("--systems", default="default,hotel_lm,jsgf")
    ap.add_argument("--conditions", default="clean")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--opt", action="append", default=[], help="pocketsphinx key=value")
    ap.add_argument("--stock", action="store_true",
                    help="pocketsphinx's own search settings instead of the tuned options")
    ap.add_argument("--reset-cmn", action="store_true")
    ap.add_argument("--phone-model", action="store_true",
                    help="the phone-line recognizer's acoustic model and starting mean")
    ap.add_argument("--floor", type=float, default=None, help="noise_floor override")
    ap.add_argument("--show", type=int, default=0, help="print N errors per run")
    ap.add_argument("--live-codes", type=int, default=0,
                    help="hotel_ctx: a spelled code is listened for among its own and N random "
                         "live codes (the dialogue gives the recognizer the hotel's live ones)")
    ap.add_argument("--json", default="")
    ap.add_argument("--concurrency", type=int, default=0,
                    help="instead: GIL bench, then the pool with this many real-time calls")
    args = ap.parse_args()

    utts = utterances(args.split, args.n)
    if args.concurrency:
        gil_bench(utts)
        asyncio.run(pool_bench(utts, args.concurrency))
        return
    audio_s = sum(u.duration_ms for u in utts) / 1000
    print(f"{args.split}: {len(utts)} utterances, {audio_s:.0f} s audio, voices "
          f"{sorted({u.voice.name for u in utts})}")
    rows = []
    header = (f"{'system':10} {'condition':9} {'WER%':>6} {'kw%':>6} {'date':>5} {'num':>5} "
              f"{'room':>5} {'menu':>5} {'name':>5} {'code':>5} {'ms/utt':>7} {'RTF':>5} "
              f"{'fin ms':>6} {'p95':>5} {'SER%':>5} {'c_ok':>4} {'c_err':>5}")
    print(header)
    with ProcessPoolExecutor(args.jobs) as pool:
        for system in args.systems.split(","):
            base = replace(phone_settings() if args.phone_model else PocketsphinxSettings(),
                           mode=system_mode(system))
            extra = tuple((k, _value(v)) for k, v in (o.split("=", 1) for o in args.opt))
            settings = replace(base, options=(() if args.stock else base.options) + extra)
            if args.reset_cmn:
                settings = replace(settings, reset_cmn=True)
            if args.floor is not None:
                settings = replace(settings, noise_floor=args.floor)
            for condition in args.conditions.split(","):
                # Degrade here: espeak (babble) must not run in forked workers.
                indexed = [(i, degrade(u.audio, condition, seed=i),
                            oracle_context(u.phrase) if system == "hotel_ctx" else None,
                            live_codes(u.phrase, args.live_codes if system == "hotel_ctx"
                                       else 0, seed=i))
                           for i, u in enumerate(utts)]
                jobs = [Job(settings, tuple(indexed[j::args.jobs]))
                        for j in range(args.jobs)]
                results: dict[int, Transcript] = {}
                for part in pool.map(_run, jobs):
                    results.update(part)
                ordered = [results[i] for i in range(len(utts))]
                row = score(utts, ordered)
                rows.append({"system": system, "condition": condition, **row})
                print(f"{system:10} {condition:9} {row['wer']:6.1f} {row['kw']:6.1f} "
                      + " ".join(f"{row.get('kw_' + c, float('nan')):5.0f}"
                                 for c in ("date", "number", "room", "menu", "name", "code"))
                      + f" {row['decode_ms']:7.0f} {row['rtf']:5.2f} {row['finish_ms_mean']:6.1f}"
                      f" {row['finish_ms_p95']:5.1f} {row['sent_err']:5.1f} {row['conf_ok']:4.2f}"
                      f" {row['conf_err']:5.2f}", flush=True)
                print("    WER by voice: " + ", ".join(
                    f"{k[4:]} {v:.1f}" for k, v in row.items() if k.startswith("wer_")))
                shown = 0
                for u, r in zip(utts, ordered, strict=True):
                    if shown < args.show and r.text != u.phrase.text:
                        print(f"    ref: {u.phrase.text}\n    hyp: {r.text}  ({u.voice.name})")
                        shown += 1
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


def _value(text: str) -> object:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def system_mode(system: str) -> Mode:
    if system == "hotel_ctx":
        return "hotel_lm"
    if system not in ("default", "hotel_lm", "jsgf"):
        raise SystemExit(f"unknown system {system}")
    return system  # type: ignore[return-value]


if __name__ == "__main__":
    main()
