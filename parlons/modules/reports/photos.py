"""Report photos: the shared photo rules of ``parlons.common.images`` (real image, size limits, GPS read from the
EXIF before every piece of metadata is removed, resized, re-encoded), and blurring of faces and plates."""

from parlons.common.images import MAX_BYTES, CleanPhoto, PhotoError, blur, clean, gps_position

__all__ = ["MAX_BYTES", "CleanPhoto", "PhotoError", "blur", "clean", "gps_position"]
