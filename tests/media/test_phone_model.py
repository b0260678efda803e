"""The phone line's acoustic model: per-class MLLR transforms applied to the packaged means
(`media/speech/phone_model.py`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from media.speech import phone_model, stt_pocketsphinx
from media.speech.phone_model import (
    ModelFileError,
    read_classes,
    read_means,
    read_mllr,
    transform,
    write_means,
)


def mllr_text(blocks: list[list[tuple[np.ndarray, np.ndarray]]]) -> str:
    """sphinxtrain's MLLR text for `blocks[class][stream] = (a, b)`, variance scales 1."""
    lines = [str(len(blocks)), str(len(blocks[0]))]
    for streams in blocks:
        for a, b in streams:
            lines.append(str(a.shape[0]))
            lines += [" ".join(f"{v:.6f}" for v in row) for row in a]
            lines += [" ".join(f"{v:.6f}" for v in b), " ".join("1.0" for _ in b)]
    return "\n".join(lines) + "\n"


def test_each_codebook_moves_by_its_own_class() -> None:
    """Three codebooks, two classes: codebooks 0 and 2 are scaled and shifted by class 0's
    transform, codebook 1 only shifted by class 1's, stream by stream."""
    rng = np.random.default_rng(1)
    means = rng.standard_normal((3, 2, 4, 3)).astype(np.float32)
    eye = np.eye(3)
    blocks = [[(2 * eye, np.full(3, 1.0)), (eye, np.zeros(3))],
              [(eye, np.full(3, -3.0)), (eye, np.full(3, 0.5))]]
    moved = transform(means, read_mllr(mllr_text(blocks)), [0, 1, 0])
    for cb in (0, 2):
        np.testing.assert_allclose(moved[cb, 0], 2 * means[cb, 0] + 1, rtol=1e-6)
        np.testing.assert_allclose(moved[cb, 1], means[cb, 1], rtol=1e-6)
    np.testing.assert_allclose(moved[1, 0], means[1, 0] - 3, rtol=1e-6)
    np.testing.assert_allclose(moved[1, 1], means[1, 1] + 0.5, rtol=1e-6)


def test_a_full_matrix_mixes_the_dimensions_of_a_mean() -> None:
    means = np.array([[[[1.0, 2.0]]]], np.float32)  # one codebook, stream, density
    a = np.array([[0.0, 1.0], [1.0, 1.0]])
    moved = transform(means, read_mllr(mllr_text([[(a, np.array([0.0, 10.0]))]])), [0])
    np.testing.assert_allclose(moved[0, 0, 0], [2.0, 13.0])


def test_means_files_round_trip(tmp_path: Path) -> None:
    means = (np.arange(2 * 3 * 4 * 13).reshape(2, 3, 4, 13) / 7).astype(np.float32)
    write_means(tmp_path / "means", means)
    np.testing.assert_array_equal(read_means(tmp_path / "means"), means)


def test_the_shipped_transform_fits_the_packaged_model() -> None:
    """One class per codebook of the model, every class with a transform of every stream."""
    means = read_means(phone_model.MODEL / "means")
    classes = read_classes(phone_model.PHONE_CLASSES.read_text())
    mllr = read_mllr(phone_model.PHONE_MLLR.read_text())
    assert len(classes) == means.shape[0] == 42
    assert sorted(set(classes)) == list(range(mllr.a.shape[0]))
    assert mllr.a.shape[1:] == (means.shape[1], means.shape[3], means.shape[3])


def test_the_phone_means_are_made_once_into_the_cache(tmp_path: Path) -> None:
    path = phone_model.phone_means(tmp_path)
    made = path.stat().st_mtime_ns
    assert phone_model.phone_means(tmp_path) == path
    assert path.stat().st_mtime_ns == made
    moved = read_means(path)
    plain = read_means(phone_model.MODEL / "means")
    assert moved.shape == plain.shape and not np.allclose(moved, plain)


@pytest.mark.parametrize("text, problem", [
    ("2\n3\n13\n1 2 3\n", "ends early"),
    ("1\n1\n1\n2.0\n0.5\n1.0\n7\n", "too many"),
    ("one\n", "bad MLLR"),
])
def test_a_broken_transform_file_is_a_clear_error(text: str, problem: str) -> None:
    with pytest.raises(ModelFileError, match=problem):
        read_mllr(text)


def test_a_truncated_means_file_is_a_clear_error(tmp_path: Path) -> None:
    write_means(tmp_path / "means", np.zeros((1, 1, 2, 13), np.float32))
    data = (tmp_path / "means").read_bytes()
    (tmp_path / "short").write_bytes(data[:-8])
    with pytest.raises(ModelFileError):
        read_means(tmp_path / "short")
    (tmp_path / "text").write_bytes(b"not a model\n")
    with pytest.raises(ModelFileError, match="not an S3 file"):
        read_means(tmp_path / "text")


def test_a_broken_class_map_is_a_clear_error() -> None:
    with pytest.raises(ModelFileError, match="bad class map"):
        read_classes("AA 0\nAE\n")
    with pytest.raises(ModelFileError, match="bad class map"):
        read_classes("AA zero\n")


def test_classes_must_cover_the_codebooks() -> None:
    eye = np.eye(13)
    mllr = read_mllr(mllr_text([[(eye, np.zeros(13))]]))
    with pytest.raises(ModelFileError, match="codebook classes"):
        transform(np.zeros((3, 1, 2, 13), np.float32), mllr, [0, 0])
    with pytest.raises(ModelFileError, match="codebook classes"):
        transform(np.zeros((2, 1, 2, 13), np.float32), mllr, [0, 1])
    with pytest.raises(ModelFileError, match="codebook classes"):
        transform(np.zeros((2, 1, 2, 13), np.float32), mllr, [0, -1])


def test_without_its_model_a_phone_line_is_heard_by_the_wide_band_one(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """An unwritable cache (or a damaged transform) must not leave phone calls unheard."""
    def unwritable(cache_dir: Path) -> Path:
        raise PermissionError(13, "Permission denied", str(cache_dir))

    monkeypatch.setattr(phone_model, "phone_means", unwritable)
    recognizer = stt_pocketsphinx.phone_recognizer()
    assert recognizer.settings.means is None
    assert "phone-line acoustic model unavailable" in caplog.text
    monkeypatch.undo()
    assert stt_pocketsphinx.phone_recognizer().settings.means is not None
