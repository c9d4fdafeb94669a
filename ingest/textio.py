"""Reading text files safely: size limit, binary detection, encoding detection, cleaning.

Decoding tries UTF-8 (with or without BOM), UTF-16/32 with BOM, then cp1252, and
only accepts a decoding that re-encodes to the very same bytes, so no character
is ever silently altered.
"""

from __future__ import annotations

import codecs
import re
import stat
import unicodedata
from pathlib import Path

from vectorstore.errors import LoaderError

__all__ = ["clean_text", "decode_bytes", "read_bytes", "sniff_binary"]

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\x7fELF", "an ELF executable"),
    (b"%PDF-", "a PDF document (name it .pdf)"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"BZh", "bzip2-compressed data"),
    (b"\xfd7zXZ\x00", "xz-compressed data"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"MZ", "a Windows executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document"),
    (b"\xca\xfe\xba\xbe", "a Java class or Mach-O binary"),
    (b"\xcf\xfa\xed\xfe", "a Mach-O binary"),
    (b"RIFF", "a RIFF media file"),
    (b"OggS", "an Ogg media file"),
    (b"ID3", "an MP3 file"),
    (b"SQLite format 3\x00", "an SQLite database"),
)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """Read a file, refusing it before reading when it is larger than ``max_bytes``."""
    try:
        st = path.stat()
    except OSError as exc:
        raise LoaderError(f"cannot read the file: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(st.st_mode):
        raise LoaderError("not a regular file (a pipe, device or socket); skipped")
    size = st.st_size
    if size > max_bytes:
        raise LoaderError(
            f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:g} MB limit "
            "(raise TRADEDESK_MAX_FILE_MB to accept it)"
        )
    try:
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise LoaderError(f"cannot read the file: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:  # grew while we looked
        raise LoaderError(f"file is over the {max_bytes / 1e6:g} MB limit")
    return data


def sniff_binary(data: bytes) -> str | None:
    """Name the binary format of ``data`` when it is not text (else None)."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return what
    return None


def _bom_encoding(data: bytes) -> str | None:
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return enc
    return None


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode text bytes, returning ``(text, encoding)``.

    Raises:
        LoaderError: the bytes are binary or no supported encoding round-trips them.
    """
    enc = _bom_encoding(data)
    if enc is None:
        what = sniff_binary(data)
        if what is not None:
            raise LoaderError(f"binary file: looks like {what}, not text")
        if b"\x00" in data[:65536]:
            raise LoaderError("binary file: contains NUL bytes (not UTF-8/cp1252 text)")
    candidates = [enc] if enc else ["utf-8", "cp1252"]
    for candidate in candidates:
        try:
            text = data.decode(candidate)
        except UnicodeDecodeError:
            continue
        if candidate != "utf-8-sig" and _bom_encoding(data) is None:
            if text.encode(candidate) != data:
                continue
        if _control_ratio(text) > 0.01:
            raise LoaderError(
                f"binary file: decodes as {candidate} but is full of control characters"
            )
        if text.startswith("\ufeff"):
            text = text[1:]
        return text, candidate
    raise LoaderError(
        "cannot decode the file: it is not UTF-8, UTF-16/32 with a BOM, or cp1252 text"
    )


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    sample = text[:65536]
    bad = sum(
        1
        for ch in sample
        if (unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v") or ch == "\ufffd"
    )
    return bad / len(sample)


_SPACES = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def clean_text(text: str) -> str:
    """Normalise whitespace: one space between words, paragraphs separated by a blank line.

    Characters themselves are kept (no Unicode normalisation beyond removing
    zero-width and soft-hyphen characters), so figures and names survive exactly.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = text.replace("\u2029", "\n\n")
    text = _INVISIBLE.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = _MANY_NEWLINES.sub("\n\n", text)
    return text.strip()
