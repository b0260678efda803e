"""Decodes the turns `python -m bench.spoken_scenarios --capture DIR` saved, with the current
recognizer code: how many scenario lines come out exactly as said (best hypothesis, and
anywhere in the n-best), by recognition context, with the misheard ones listed. A fast loop
for recognizer changes (no bridge, no dialogue): `python -m bench.stt_replay DIR [-v]`.
"""

from __future__ import annotations

import argparse
import ast
import re
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from media.speech.stt import transcribe
from media.speech.stt_pocketsphinx import (
    PocketsphinxRecognizer,
    PocketsphinxSettings,
    phone_settings,
)


def normalize(text: str) -> str:
    return " ".join(re.sub(r"[^a-z' ]", " ", text.lower()).split())


def main(directory: Path, verbose: bool, only: str | None,
         context_options: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = (),
         phone: bool = False, options: tuple[tuple[str, Any], ...] = ()) -> None:
    base = phone_settings() if phone else PocketsphinxSettings()
    rec = PocketsphinxRecognizer(replace(base, context_options=context_options,
                                         options=base.options + options))
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # turns, best, nbest, was
    audio_s = decode_s = 0.0
    worst_finish = 0.0
    for path in sorted(directory.glob("*.npz")):
        turn = np.load(path, allow_pickle=True)
        said, context = str(turn["said"]), str(turn["context"]) or "general"
        if only and context != only:
            continue
        audio = turn["audio"].astype(np.int16)
        t0 = time.process_time()
        result = transcribe(rec, audio, context=None if context == "general" else context)
        decode_s += time.process_time() - t0
        audio_s += audio.size / 16000
        worst_finish = max(worst_finish, result.finish_ms)
        want = normalize(said)
        best = normalize(result.text) == want
        anywhere = best or any(normalize(a) == want for a in result.alternatives)
        before = normalize(str(turn["heard"])) == want
        for key in (context, "all"):
            c = counts[key]
            c[0] += 1
            c[1] += best
            c[2] += anywhere
            c[3] += before
        if not best and (verbose or not anywhere):
            mark = "n-best" if anywhere else "MISS"
            print(f"{mark:6} {path.stem:45} [{context}] {said!r} -> {result.text!r} "
                  f"({result.confidence:.2f}) alts={list(result.alternatives)[:3]}")
    print(f"{'context':10} {'turns':>5} {'best':>5} {'n-best':>6} {'captured':>8}")
    for key in sorted(counts, key=lambda k: (k == "all", k)):
        n, b, a, w = counts[key]
        print(f"{key:10} {n:5d} {b:5d} {a:6d} {w:8d}")
    print(f"CPU RTF {decode_s / max(audio_s, 1e-9):.3f} over {audio_s:.0f} s audio; "
          f"worst finish {worst_finish:.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", type=Path)
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--context", default=None, help="only turns decoded with this context")
    parser.add_argument("--ctx-opt", action="append", default=[],
                        help="CONTEXT:key=value, a search option for one context")
    parser.add_argument("--opt", action="append", default=[],
                        help="key=value, a search option for every context")
    parser.add_argument("--phone", action="store_true",
                        help="decode with the phone-band recognizer (turns captured with --phone)")
    args = parser.parse_args()
    per: dict[str, list[tuple[str, Any]]] = defaultdict(list)
    for item in args.ctx_opt:
        name, _, kv = item.partition(":")
        key, _, value = kv.partition("=")
        per[name].append((key, ast.literal_eval(value)))
    options = tuple((k, ast.literal_eval(v)) for k, _, v in (o.partition("=") for o in args.opt))
    main(args.directory, args.verbose, args.context,
         tuple((name, tuple(opts)) for name, opts in per.items()), args.phone, options)
