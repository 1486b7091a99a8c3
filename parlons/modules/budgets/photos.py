"""Photos of a project's works: the same rules as report photos (``parlons.common.images``): a real image within
size limits, every piece of metadata (EXIF, GPS) removed, resized and re-encoded as JPEG."""

from parlons.common.images import MAX_BYTES, CleanPhoto, PhotoError, clean

__all__ = ["MAX_BYTES", "CleanPhoto", "PhotoError", "clean"]
