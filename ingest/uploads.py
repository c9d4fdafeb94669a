"""Uploaded files: stored under generated names inside the data folder, never under theirs.

The stored name is the SHA-256 of the bytes plus the (checked) extension, so the
same bytes uploaded under two names are stored once. The original name is kept
only as a display label, cleaned of path parts, control and bidi characters.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path, PurePosixPath, PureWindowsPath

from ingest.loaders import SUPPORTED_SUFFIXES
from vectorstore.errors import LoaderError, StoreError

__all__ = ["clean_upload_name", "store_upload"]

_BIDI_AND_CONTROL = re.compile(
    r"[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def clean_upload_name(name: str, limit: int = 120) -> str:
    """A safe display label for an uploaded file's name (never used as a path)."""
    name = unicodedata.normalize("NFC", str(name))
    name = _BIDI_AND_CONTROL.sub("", name)
    # Keep only the last part of any path, Windows or POSIX.
    name = PureWindowsPath(PurePosixPath(name.replace("\\", "/")).name).name
    name = name.strip().strip(".").strip()
    if len(name) > limit:
        stem, dot, suffix = name.rpartition(".")
        if dot and 0 < len(suffix) <= 10:
            name = stem[: limit - len(suffix) - 1].rstrip() + "." + suffix
        else:
            name = name[:limit]
    return name or "upload"


def store_upload(name: str, data: bytes, directory: Path, *, max_bytes: int) -> tuple[Path, str]:
    """Store an upload; returns ``(stored path, display name)``.

    Raises:
        LoaderError: unsupported type, empty, or over the size limit.
    """
    label = clean_upload_name(name)
    suffix = Path(label).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoaderError(
            f"unsupported file type {suffix or '(none)'!r}; supported: "
            + ", ".join(sorted(SUPPORTED_SUFFIXES))
        )
    if len(data) > max_bytes:
        raise LoaderError(
            f"file is {len(data) / 1e6:.1f} MB, over the {max_bytes / 1e6:g} MB limit "
            "(raise TRADEDESK_MAX_FILE_MB to accept it)"
        )
    if not data.strip():
        raise LoaderError("empty file (no text)")
    target = directory / f"{hashlib.sha256(data).hexdigest()[:32]}{suffix}"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".upload-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
    except OSError as exc:
        full = exc.errno == errno.ENOSPC
        raise StoreError(
            f"Cannot store the upload in {directory} ({exc.strerror or exc}): "
            + ("the disk is full; free space and try again."
               if full else "the data folder must be writable (check TRADEDESK_HOME).")
        ) from exc
    return target, label
