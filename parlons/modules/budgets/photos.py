"""Photos of a project's works: the same checks as report photos (a real image, size limits), then every piece of
metadata (EXIF, GPS) removed, resized and re-encoded as JPEG. No Django model here: bytes in, bytes out."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 50_000_000
MAX_SIDE = 1600
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "MPO", "HEIF", "TIFF"})


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


def clean(raw: bytes) -> CleanPhoto:
    """Decode (refusing what is not an image or is too big), apply the EXIF orientation, drop all metadata,
    fit within MAX_SIDE pixels and re-encode as JPEG, named by the SHA-256 of the result."""
    if len(raw) > MAX_BYTES:
        raise PhotoError("too_big")
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
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
    upright: Image.Image = ImageOps.exif_transpose(image) or image
    rgb = upright.convert("RGB")
    rgb.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    bare = Image.new("RGB", rgb.size)  # a new image: nothing of the original's metadata is carried over
    bare.paste(rgb)
    buffer = io.BytesIO()
    bare.save(buffer, format="JPEG", quality=85, optimize=True)
    data = buffer.getvalue()
    return CleanPhoto(data, hashlib.sha256(data).hexdigest(), bare.width, bare.height)
