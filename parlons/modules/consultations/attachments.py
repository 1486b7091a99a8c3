"""Checks of the files attached to proposals: real images (decoded by Pillow, metadata removed) and PDF documents
(recognised by their content, not their name). Bytes in, bytes out, no Django: the rules can be tested alone."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps

from parlons.common import images

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_SIDE = 1600
IMAGE_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "MPO"})
# PDF features that run something when the file is opened: refused rather than served to other people.
ACTIVE_PDF_MARKERS = (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/RichMedia")


class AttachmentError(ValueError):
    """``code``: too_big, not_an_image, too_large_image, not_a_pdf, active_pdf, unsupported."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Checked:
    kind: str  # "image" or "document"
    data: bytes
    extension: str
    width: int | None = None
    height: int | None = None


def sniff(raw: bytes) -> str:
    """What the content is, whatever its name says: "image", "document" (PDF) or "unknown"."""
    if raw.startswith(b"%PDF-"):
        return "document"
    if raw[:3] == b"\xff\xd8\xff" or raw.startswith((b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")):
        return "image"
    if raw[:4] == b"RIFF" and raw[8:12] == b"WEBP":
        return "image"
    return "unknown"


def check_image(raw: bytes, *, max_bytes: int | None = None) -> Checked:
    """Decode the image for real, apply its orientation, drop every metadata, resize and re-encode it."""
    try:
        image = images.decode(raw, max_bytes=max_bytes or MAX_IMAGE_BYTES, formats=IMAGE_FORMATS)
    except images.PhotoError as exc:
        raise AttachmentError(exc.code) from exc
    upright: Image.Image = ImageOps.exif_transpose(image) or image
    keep_alpha = upright.mode in ("RGBA", "LA", "P") and image.format == "PNG"
    converted = upright.convert("RGBA" if keep_alpha else "RGB")
    converted.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    clean = Image.new(converted.mode, converted.size)
    clean.paste(converted)
    buffer = io.BytesIO()
    if keep_alpha:
        clean.save(buffer, format="PNG", optimize=True)
        extension = "png"
    else:
        clean.save(buffer, format="JPEG", quality=85, optimize=True)
        extension = "jpg"
    return Checked("image", buffer.getvalue(), extension, clean.width, clean.height)


def check_document(raw: bytes, *, max_bytes: int | None = None) -> Checked:
    """A PDF: its header and end-of-file mark, and none of the features that run code when opened."""
    if len(raw) > (max_bytes or MAX_DOCUMENT_BYTES):
        raise AttachmentError("too_big")
    if sniff(raw) != "document" or b"%%EOF" not in raw[-1024:]:
        raise AttachmentError("not_a_pdf")
    if any(marker in raw for marker in ACTIVE_PDF_MARKERS):
        raise AttachmentError("active_pdf")
    return Checked("document", raw, "pdf")


def check(raw: bytes) -> Checked:
    """Check an upload by what it contains: an image or a PDF, nothing else."""
    kind = sniff(raw)
    if kind == "image":
        return check_image(raw)
    if kind == "document":
        return check_document(raw)
    raise AttachmentError("too_big" if len(raw) > max(MAX_IMAGE_BYTES, MAX_DOCUMENT_BYTES) else "unsupported")
