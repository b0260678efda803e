"""Makes `media/speech/data/phone_channel.mllr` and `.classes`: the packaged acoustic model
adapted to a phone line's band, and `phone_channel.cmninit`: the cepstral mean a phone-line
recognizer starts from (docs/stt.md, "Phone lines").

The packaged en-us model was trained on 16 kHz speech; a phone line carries nothing over 4 kHz,
so phone callers were heard far worse (31 % WER against 17 % wide band). This fits sphinxtrain
MLLR transforms of the model's means, one per broad class of phones (`CLASSES`: a line loses
more of a fricative than of a vowel), to synthetic hotel phrases sent through a phone line
(8 kHz, μ-law), in two steps so that the transforms shipped are the line's, not the synthetic
voices':

1. transforms to the same phrases wide band (the voices' part),
2. applied to the model, then second transforms from that model to the phone-line phrases:
   the line's part, which is what is shipped (`media.speech.phone_model` applies them).

The starting mean is where a recognizer with that transform settles on phone-line speech (its
live mean after each of the first `CMN_PHRASES` phrases, averaged): a new recognizer starting
from the model's own (wide-band) mean hears its first phone turn worse.

The phrases are new (seeds 400/401) and in the tuning voices only; the held-out test voices
(`bench.stt_corpus.TEST_VOICES`) measure it. A build tool, not run by the server: it needs
Debian's `sphinxtrain`, `sphinxbase-utils` (sphinx_fe) and `pocketsphinx` (mdef converter).

    .venv/bin/python -m bench.phone_adapt [--out PATH.mllr] [--n 600] [--one-class]
"""

from __future__ import annotations

import argparse
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bench.stt_corpus import SLOT_INTENTS, TUNE2_VOICES, TUNE_VOICES, over_the_phone, speak
from media.frames import PCM16
from media.speech import hotel_lm
from media.speech.hotel_phrases import generate
from media.speech.phone_model import (
    MODEL,
    PHONE_MLLR,
    read_means,
    read_mllr,
    s3_header,
    transform,
    write_means,
)
from media.speech.stt import STT_SAMPLE_RATE, transcribe
from media.speech.stt_pocketsphinx import PocketsphinxRecognizer, PocketsphinxSettings

SPHINXTRAIN = Path("/usr/lib/sphinxtrain")
SEED = 400
NOISE_SEED = 7
CMN_PHRASES = 60
# Broad phone classes, one transform each. Chosen on the `valid` split (docs/stt.md): 8 classes
# 24.1 % WER, 12 classes 23.6 % but fewer keywords, 6 25.4 %, 3 27.4 %, one 27.1 %, and one
# per phone (42) far worse on the test split (32 %): too little data per transform.
CLASSES = (
    ("+NSN+", "+SPN+", "SIL"),  # silence and noise
    ("IH", "IY", "EH", "EY", "AE", "AY"),  # front vowels
    ("AA", "AH", "AO", "AW", "OW", "OY", "UH", "UW", "ER"),  # back and central vowels
    ("B", "D", "G"),  # voiced stops
    ("K", "P", "T"),  # voiceless stops
    ("CH", "JH", "S", "SH", "Z", "ZH"),  # sibilants
    ("DH", "F", "HH", "TH", "V"),  # other fricatives
    ("M", "N", "NG", "L", "R", "W", "Y"),  # nasals, liquids and glides
)


def read_sendump(path: Path) -> npt.NDArray[np.float64]:
    """The model's quantized mixture weights (pocketsphinx's sendump, no clusters) as
    (senones, streams, densities) probabilities: `bw` needs them unquantized."""
    data = path.read_bytes()
    pos, streams = 0, 1
    while n := struct.unpack_from("<I", data, pos)[0]:
        line = data[pos + 4:pos + 3 + n].decode("latin-1")
        pos += 4 + n
        if line.startswith("feature_count "):
            streams = int(line.split()[1])
    rows, cols = struct.unpack_from("<II", data, pos + 4)
    pos += 12
    quantized = np.frombuffer(data, np.uint8, streams * rows * cols, pos)
    logs = quantized.reshape(streams, rows, cols).astype(np.int64) << 10
    weights: npt.NDArray[np.float64] = np.power(1.0001, -logs.astype(np.float64))
    return weights.transpose(2, 0, 1)


def write_mixture_weights(path: Path, weights: npt.NDArray[np.float64]) -> None:
    """A sphinxtrain (S3) mixture-weights file, each senone's weights summing to one."""
    weights = weights / weights.sum(axis=2, keepdims=True)
    path.write_bytes(s3_header() + struct.pack("<IIII", *weights.shape, weights.size)
                     + weights.astype("<f4").tobytes())


def _run(tool: str, log: Path, *args: str | Path) -> None:
    done = subprocess.run([tool, *map(str, args)], capture_output=True, text=True)
    log.write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        raise SystemExit(f"{tool} failed; see {log}")


class Adapter:
    """One working directory: the model with plain mixture weights, features, transcripts."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.hmm = work / "hmm"
        self.hmm.mkdir()
        for name in ("means", "variances", "transition_matrices", "noisedict"):
            shutil.copy(MODEL / name, self.hmm / name)
        write_mixture_weights(self.hmm / "mixture_weights", read_sendump(MODEL / "sendump"))
        _run("pocketsphinx_mdef_convert", work / "mdef.log", "-text", MODEL / "mdef",
             self.hmm / "mdef.txt")
        self.dictionary = hotel_lm.ensure_built().dictionary
        self.classes: list[int] = []  # each codebook's transform class (`use_classes`)

    def features(self, name: str, lines: list[tuple[str, PCM16]]) -> Path:
        """Cepstra of `lines` (with the recognizer's noise floor), as the model's front end
        computes them; returns the directory, with its control and transcript files."""
        out = self.work / name
        out.mkdir()
        floor = PocketsphinxSettings().noise_floor
        rng = np.random.default_rng(NOISE_SEED)
        ids = []
        with (out / "transcripts").open("w") as transcripts:
            for i, (text, pcm) in enumerate(lines):
                noisy = pcm.astype(np.float64) + floor * rng.standard_normal(pcm.size)
                (out / f"u{i:04d}.raw").write_bytes(
                    np.clip(noisy, -32768, 32767).astype("<i2").tobytes())
                ids.append(f"u{i:04d}")
                transcripts.write(f"<s> {text} </s> (u{i:04d})\n")
        (out / "ids").write_text("\n".join(ids) + "\n")
        _run("sphinx_fe", out / "fe.log", "-c", out / "ids", "-di", out, "-do", out,
             "-ei", "raw", "-eo", "mfc", "-raw", "yes", "-input_endian", "little",
             "-samprate", str(STT_SAMPLE_RATE), "-lowerf", "130", "-upperf", "6800",
             "-nfilt", "25", "-transform", "dct", "-lifter", "22", "-remove_noise", "yes",
             "-remove_silence", "no", "-dither", "no", "-nfft", "512")
        return out

    def use_classes(self, classes: tuple[tuple[str, ...], ...]) -> str:
        """Map each codebook (one per base phone, in the model's order) to its class in
        `classes`; returns the map as `phone_channel.classes` holds it."""
        mdef = self.hmm.joinpath("mdef.txt").read_text()
        n_base = int(next(line.split()[0] for line in mdef.splitlines()
                          if line.endswith(" n_base")))
        phones = [line.split()[0] for line in mdef.split("#base", 1)[1].splitlines()[1:n_base + 1]]
        of = {phone: i for i, group in enumerate(classes) for phone in group}
        self.classes = [of[p] for p in phones]  # KeyError: a phone in no class
        self.cb2mllr.write_bytes(b"".join((  # sphinxtrain's codebook-to-class map (s3map)
            s3_header("1.2"), struct.pack("<II", len(classes), len(phones)),
            struct.pack(f"<{len(phones)}i", *self.classes))))
        return "".join(f"{p} {c}\n" for p, c in zip(phones, self.classes, strict=True))

    @property
    def cb2mllr(self) -> Path:
        return self.work / "cb2mllr"

    def transform(self, means: Path, features: Path, out: Path) -> None:
        """MLLR transforms (one per class) from the model with `means` to `features`."""
        counts = features / "counts"
        counts.mkdir()
        _run(str(SPHINXTRAIN / "bw"), features / "bw.log",
             "-moddeffn", self.hmm / "mdef.txt", "-ts2cbfn", ".ptm.", "-meanfn", means,
             "-varfn", self.hmm / "variances", "-mixwfn", self.hmm / "mixture_weights",
             "-tmatfn", self.hmm / "transition_matrices", "-feat", "1s_c_d_dd",
             "-svspec", "0-12/13-25/26-38", "-cmn", "current", "-agc", "none",
             "-dictfn", self.dictionary, "-fdictfn", self.hmm / "noisedict",
             "-ctlfn", features / "ids", "-lsnfn", features / "transcripts",
             "-accumdir", counts, "-cepdir", features, "-cepext", "mfc",
             "-cb2mllrfn", self.cb2mllr)
        _run(str(SPHINXTRAIN / "mllr_solve"), features / "solve.log", "-meanfn", means,
             "-varfn", self.hmm / "variances", "-outmllrfn", out, "-accumdir", counts,
             "-cb2mllrfn", self.cb2mllr)

    def apply(self, means: Path, mllr: Path, out: Path) -> Path:
        """`means` moved by `mllr`, as the recognizer applies it (`phone_model.transform`)."""
        write_means(out, transform(read_means(means), read_mllr(mllr.read_text()),
                                   self.classes))
        return out


def settled_mean(means: Path, lines: list[tuple[str, PCM16]]) -> str:
    """The live cepstral mean of a recognizer with `means` after each of `lines`, averaged,
    in pocketsphinx's text form (its `cmninit`)."""
    recognizer = PocketsphinxRecognizer(PocketsphinxSettings(means=str(means)))
    cmns = []
    for _, pcm in lines:
        transcribe(recognizer, pcm)
        cmns.append([float(v) for v in recognizer.cmn.split(",")])
    return ",".join(f"{v:.4g}" for v in np.mean(cmns, axis=0))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=PHONE_MLLR)
    ap.add_argument("--n", type=int, default=600, help="adaptation phrases")
    ap.add_argument("--one-class", action="store_true",
                    help="one transform for all phones (the first version)")
    args = ap.parse_args()
    voices = TUNE_VOICES + TUNE2_VOICES
    phrases = generate(args.n - args.n // 2, SEED) + generate(args.n // 2, SEED + 1, SLOT_INTENTS)
    said = [(p.text, speak(p.text, voices[i % len(voices)])) for i, p in enumerate(phrases)]
    classes = (tuple(p for group in CLASSES for p in group),) if args.one_class else CLASSES
    with tempfile.TemporaryDirectory(prefix="phone-adapt-") as tmp:
        adapter = Adapter(Path(tmp))
        class_map = adapter.use_classes(classes)
        wide = adapter.features("wide", said)
        on_the_phone = [(text, over_the_phone(pcm)) for text, pcm in said]
        phone = adapter.features("phone", on_the_phone)
        voices_mllr = Path(tmp) / "voices.mllr"
        adapter.transform(adapter.hmm / "means", wide, voices_mllr)
        voices_means = adapter.apply(adapter.hmm / "means", voices_mllr, Path(tmp) / "voices")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        adapter.transform(voices_means, phone, args.out)
        args.out.with_suffix(".classes").write_text(class_map)
        line_means = adapter.apply(adapter.hmm / "means", args.out, Path(tmp) / "line")
        args.out.with_suffix(".cmninit").write_text(
            settled_mean(line_means, on_the_phone[:CMN_PHRASES]) + "\n")
    audio_s = sum(pcm.size for _, pcm in said) / STT_SAMPLE_RATE
    print(f"{len(said)} phrases, {audio_s:.0f} s of speech in {len(voices)} voices, "
          f"{len(classes)} classes -> {args.out}")


if __name__ == "__main__":
    main()
