"""Small in-memory uploads for the tests."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def png(name: str = "photo.png", size: tuple[int, int] = (8, 6)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def fake_image(name: str = "photo.png") -> SimpleUploadedFile:
    """Named and typed like a PNG, but it is text."""
    return SimpleUploadedFile(name, b"<?php echo 'not an image'; ?>", content_type="image/png")
