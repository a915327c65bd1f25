"""Face thumbnails small enough for a printed QR to stay readable.

DESIGN.md lets a permit carry up to 2 KiB of JPEG, but ``bench/permit.py`` shows that a
webcam reads the printed card reliably (>= 95% of views with the card at 70% of a 720p
frame) only up to QR version 25 at level Q, i.e. about 300 bytes of photo next to a typical
permit. So issuing shrinks any photo to a grey 40x50 (or smaller) JPEG within
``PHOTO_BUDGET`` bytes: enough for an officer to match a face, not enough to spoil the scan.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image

from sync.hq.errors import PhotoError

PHOTO_BUDGET = 320  # bytes
_SIZES = ((40, 50), (36, 45), (32, 40), (28, 35), (24, 30))
_QUALITIES = (50, 40, 30, 25)
_MAX_SOURCE_PIXELS = 40_000_000  # refuse decompression bombs from a bad photo file


def fit_photo(data: bytes, budget: int = PHOTO_BUDGET) -> bytes:
    """Return ``data`` if it is a JPEG within ``budget``, else a shrunk grey JPEG that is."""
    if data.startswith(b"\xff\xd8") and len(data) <= budget:
        return data
    image = _open(data)
    for size in _SIZES:
        small = image.copy()
        small.thumbnail(size, Image.LANCZOS)
        for quality in _QUALITIES:
            out = io.BytesIO()
            small.save(out, "JPEG", quality=quality, optimize=True)
            if out.tell() <= budget:
                return out.getvalue()
    raise PhotoError(f"cannot make this photo fit in {budget} bytes")


def _open(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > _MAX_SOURCE_PIXELS:
                raise PhotoError("photo has implausibly many pixels")
            image.load()
        except PhotoError:
            raise
        except Exception as exc:  # Pillow raises many types for broken files
            raise PhotoError(f"not a readable image: {exc}") from None
    return image.convert("L")
