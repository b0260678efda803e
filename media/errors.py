"""Typed errors raised at media boundaries, so bad input is counted and never reaches the VAD."""

from __future__ import annotations


class MediaError(Exception):
    """Base class for media-core errors."""


class BadAudioFrame(MediaError):
    """A frame of the wrong size, rate, dtype or shape, or an empty/odd-length payload."""


class TransportClosed(MediaError):
    """The transport under a source or playout has ended; no more frames will come."""
