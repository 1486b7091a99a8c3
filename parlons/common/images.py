"""Photo processing shared by every module that takes photos (reports, budget works...): real image decoding,
GPS position read from EXIF, then EXIF removed, resized, re-encoded.

No Django model here: bytes in, bytes out, so that the rules can be tested alone. The stored JPEG is named
by the SHA-256 of its cleaned content, so identical uploads are stored once.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass

from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 50_000_000
MAX_SIDE = 1600
JPEG_QUALITY = 85
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "MPO", "HEIF", "TIFF"})
GPS_IFD = 0x8825


class PhotoError(ValueError):
    """The upload is not an acceptable photo; ``code`` says why (not_an_image, too_big, too_large_image)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    content_hash: str
    width: int
    height: int
    # Position found in the original's EXIF (longitude, latitude), before the EXIF was removed.
    gps: tuple[float, float] | None


def _to_degrees(value: Iterable[float]) -> float:
    d, m, s = (float(v) for v in value)
    return d + m / 60 + s / 3600


def gps_position(image: Image.Image) -> tuple[float, float] | None:
    """(longitude, latitude) from the EXIF GPS tags, or None when absent or meaningless."""
    try:
        gps = image.getexif().get_ifd(GPS_IFD)
        if not gps or 2 not in gps or 4 not in gps:
            return None
        lat = _to_degrees(gps[2]) * (-1 if str(gps.get(1, "N")).upper().startswith("S") else 1)
        lon = _to_degrees(gps[4]) * (-1 if str(gps.get(3, "E")).upper().startswith("W") else 1)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return lon, lat


def _encode(image: Image.Image) -> CleanPhoto:
    buffer = io.BytesIO()
    # A new image without ``exif``/``info``: nothing of the original's metadata is written.
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    data = buffer.getvalue()
    return CleanPhoto(data, hashlib.sha256(data).hexdigest(), image.width, image.height, None)


def decode(
    raw: bytes, *, max_bytes: int = MAX_BYTES, formats: frozenset[str] = ACCEPTED_FORMATS
) -> Image.Image:
    """Decode an upload for real, refusing what is too big, not an image of ``formats``, or too many pixels
    (PhotoError with code too_big, not_an_image or too_large_image)."""
    if len(raw) > max_bytes:
        raise PhotoError("too_big")
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            if probe.format not in formats:
                raise PhotoError("not_an_image")
            if probe.width * probe.height > MAX_PIXELS:
                raise PhotoError("too_large_image")
            probe.verify()
        image = Image.open(io.BytesIO(raw))
        image.load()
    except PhotoError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise PhotoError("not_an_image") from exc
    return image


def clean(raw: bytes, *, max_bytes: int = MAX_BYTES) -> CleanPhoto:
    """Decode, read GPS, apply the EXIF orientation, strip all metadata, resize, re-encode as JPEG."""
    image = decode(raw, max_bytes=max_bytes)
    gps = gps_position(image)
    upright: Image.Image = ImageOps.exif_transpose(image) or image
    rgb = upright.convert("RGB")
    rgb.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    clean_image = Image.new("RGB", rgb.size)
    clean_image.paste(rgb)
    result = _encode(clean_image)
    return CleanPhoto(result.data, result.content_hash, result.width, result.height, gps)


def blur(raw: bytes, rectangles: Iterable[tuple[float, float, float, float]]) -> CleanPhoto:
    """Blur rectangles given as fractions of the width and height (x, y, w, h in 0..1): faces, plates."""
    image = Image.open(io.BytesIO(raw)).convert("RGB")
    for x, y, w, h in rectangles:
        box = (
            max(0, int(x * image.width)),
            max(0, int(y * image.height)),
            min(image.width, int((x + w) * image.width)),
            min(image.height, int((y + h) * image.height)),
        )
        if box[2] <= box[0] or box[3] <= box[1]:
            continue
        region = image.crop(box)
        radius = max(8, min(region.size) // 4)
        image.paste(region.filter(ImageFilter.GaussianBlur(radius)), box)
    return _encode(image)
