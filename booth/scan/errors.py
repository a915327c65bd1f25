"""Exceptions of booth.scan (capture, frame sources, decoders).

BoothError
└── ScanError                  base of what booth.scan raises on purpose
    ├── SourceUnavailable      a frame source cannot be opened at all (no camera, bad path)
    ├── SourceLost             an opened source stopped giving frames (unplugged, stream down)
    ├── DecoderUnavailable     a QR decoder backend cannot run here (library or module missing)
    └── ImageUnreadable        bytes that are not an image we decode, or one far too large
"""

from __future__ import annotations

from booth.errors import BoothError


class ScanError(BoothError):
    """Base of the errors booth.scan raises on purpose."""


class SourceUnavailable(ScanError):
    """A frame source cannot be opened: no such camera, file or folder, or the stream refuses."""


class SourceLost(ScanError):
    """A frame source that was open stopped giving frames (a USB camera unplugged, a stream cut)."""


class DecoderUnavailable(ScanError):
    """A QR decoder backend cannot run here: its library (e.g. the system's libzbar0) or module is missing."""


class ImageUnreadable(ScanError, ValueError):
    """The bytes are not an image this reader can decode (or one far too large)."""
