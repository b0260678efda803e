"""The acoustic model a phone line's recognizer hears with: the packaged en-us model's Gaussian
means, moved by an MLLR transform per broad class of phones (`data/phone_channel.mllr`, made by
`bench/phone_adapt.py`; docs/stt.md, "Phone lines").

pocketsphinx applies only the first class of an MLLR file itself, so the transform is applied
here and the moved means are written once into the recognizer cache, keyed by the bytes of the
transform, its class map and the model. Reads and writes sphinxtrain's S3 means files and MLLR
text files.
"""

from __future__ import annotations

import hashlib
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pocketsphinx

DATA = Path(__file__).parent / "data"
PHONE_MLLR = DATA / "phone_channel.mllr"
PHONE_CLASSES = DATA / "phone_channel.classes"  # "PHONE CLASS" per codebook, in model order
PHONE_CMNINIT = DATA / "phone_channel.cmninit"
MODEL = Path(pocketsphinx.__file__).parent / "model" / "en-us" / "en-us"
_MAGIC = 0x11223344
Means = npt.NDArray[np.float32]  # (codebooks, streams, densities, stream length)


class ModelFileError(ValueError):
    """An acoustic model or transform file this module cannot read."""


def _data_start(data: bytes) -> int:
    """Where an S3 file's data starts (after its header and byte-order word)."""
    end = data.find(b"endhdr\n")
    if not data.startswith(b"s3\n") or end < 0 or len(data) < end + 11:
        raise ModelFileError("not an S3 file")
    pos = end + len(b"endhdr\n")
    if struct.unpack_from("<I", data, pos)[0] != _MAGIC:
        raise ModelFileError("big-endian S3 files are not supported")
    return pos + 4


def read_means(path: Path) -> Means:
    """A means file's Gaussians. All streams must have the same length (13 in en-us)."""
    data = path.read_bytes()
    pos = _data_start(data)
    try:
        n_cb, n_streams, n_dens = struct.unpack_from("<III", data, pos)
        lengths = struct.unpack_from(f"<{n_streams}I", data, pos + 12)
        pos += 12 + 4 * n_streams
        (total,) = struct.unpack_from("<I", data, pos)
        values = np.frombuffer(data, "<f4", total, pos + 4)
    except (struct.error, ValueError) as e:
        raise ModelFileError(f"{path}: truncated or not a means file ({e})") from e
    if len(set(lengths)) != 1 or total != n_cb * n_streams * n_dens * lengths[0]:
        raise ModelFileError(f"{path}: {total} values for {n_cb} codebooks, {n_dens} "
                             f"densities and streams of {lengths}")
    return values.reshape(n_cb, n_streams, n_dens, lengths[0]).astype(np.float32)


def s3_header(version: str = "1.0") -> bytes:
    """An S3 file's header without a checksum, up to its byte-order word (data 4-byte aligned)."""
    head = f"s3\nversion {version}\n".encode()
    return b"".join((head, b" " * (-(len(head) + 7) % 4), b"endhdr\n", struct.pack("<I", _MAGIC)))


def write_means(path: Path, means: Means) -> None:
    """Write `means` as an S3 means file (no checksum), atomically."""
    n_cb, n_streams, n_dens, length = means.shape
    blob = b"".join((
        s3_header(), struct.pack("<III", n_cb, n_streams, n_dens),
        struct.pack(f"<{n_streams}I", *[length] * n_streams),
        struct.pack("<I", means.size), means.astype("<f4").tobytes()))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name)
    with os.fdopen(fd, "wb") as f:
        f.write(blob)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


@dataclass(frozen=True, slots=True)
class Mllr:
    """Mean transforms per class and stream: mean' = a @ mean + b."""

    a: npt.NDArray[np.float64]  # (classes, streams, length, length)
    b: npt.NDArray[np.float64]  # (classes, streams, length)


def read_mllr(text: str) -> Mllr:
    """sphinxtrain's MLLR text form: classes, streams, then per class and stream its length,
    the matrix rows, the bias and the variance scales (ignored: means only)."""
    values = text.split()
    try:
        n_class, n_streams = int(values[0]), int(values[1])
        pos, a_parts, b_parts = 2, [], []
        for _ in range(n_class * n_streams):
            n = int(values[pos])
            block = np.array(values[pos + 1:pos + 1 + n * n + 2 * n], dtype=np.float64)
            if block.size != n * n + 2 * n:
                raise ModelFileError("MLLR file ends early")
            a_parts.append(block[:n * n].reshape(n, n))
            b_parts.append(block[n * n:n * n + n])
            pos += 1 + n * n + 2 * n
    except (IndexError, ValueError) as e:
        raise ModelFileError(f"bad MLLR file: {e}") from e
    if pos != len(values) or not a_parts:
        raise ModelFileError(f"MLLR file has {len(values) - pos} values too many")
    n = a_parts[0].shape[0]
    return Mllr(np.array(a_parts).reshape(n_class, n_streams, n, n),
                np.array(b_parts).reshape(n_class, n_streams, n))


def read_classes(text: str) -> list[int]:
    """The transform class of each codebook, from "PHONE CLASS" lines in codebook order."""
    try:
        return [int(line.split()[1]) for line in text.splitlines() if line.strip()]
    except (IndexError, ValueError) as e:
        raise ModelFileError(f"bad class map: {e}") from e


def transform(means: Means, mllr: Mllr, classes: list[int]) -> Means:
    """`means` with each codebook moved by its class's transform."""
    if len(classes) != means.shape[0] or any(not 0 <= c < mllr.a.shape[0] for c in classes):
        raise ModelFileError(f"{len(classes)} codebook classes for {means.shape[0]} codebooks "
                             f"and {mllr.a.shape[0]} transforms")
    a = mllr.a[classes]  # (codebooks, streams, length, length)
    b = mllr.b[classes]
    moved: Means = (np.einsum("csij,csdj->csdi", a, means.astype(np.float64))
                    + b[:, :, None, :]).astype(np.float32)
    return moved


def phone_means(cache_dir: Path) -> Path:
    """The phone line's means file, made into `cache_dir` on first use."""
    mllr, classes, model = (PHONE_MLLR.read_bytes(), PHONE_CLASSES.read_bytes(),
                            (MODEL / "means").read_bytes())
    key = hashlib.sha256(mllr + classes + model).hexdigest()[:16]
    path = cache_dir / f"phone-means-{key}"
    if not path.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        moved = transform(read_means(MODEL / "means"), read_mllr(mllr.decode()),
                          read_classes(classes.decode()))
        write_means(path, moved)
    return path
