"""Turn a transcript file's bytes into text; refuse binaries and bad encodings, saying why."""

from __future__ import annotations

import codecs
import unicodedata

from search.errors import TranscriptError

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Files that are surely not text, by their first bytes; named so the error can say what it saw.
_MAGIC = (
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"%PDF", "PDF document"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x1f\x8b", "gzip archive"),
)
# C0 controls other than tab, newline, vertical tab, form feed, carriage return; plus DEL.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F])
_SAMPLE = 8192


def decode(data: bytes) -> str:
    """Decode UTF-8 (BOM optional) or UTF-16 (BOM required) to text with '\\n' line ends."""
    if not data.strip():
        raise TranscriptError("empty file")
    if data.startswith(_UTF16_BOMS):
        text = _decode_utf16(data)
    else:
        _reject_binary(data)
        text = _decode_utf8(data)
    if not text.strip():
        raise TranscriptError("empty file")
    # NFC: macOS and some caption tools write "ï" as "i" plus a combining mark, which the analyzer would
    # cut in two. Not NFKC: that would also rewrite what a quote shows ("…" as "...", "²" as "2").
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def _decode_utf16(data: bytes) -> str:
    """Decode UTF-16 whose byte-order mark says which end comes first."""
    try:
        text = data.decode("utf-16")
    except UnicodeDecodeError as error:
        raise TranscriptError(f"not valid UTF-16 (at offset {error.start})") from error
    if "\x00" in text:
        raise TranscriptError("binary file")
    return text


def _decode_utf8(data: bytes) -> str:
    """Decode UTF-8, skipping a BOM; name the first bad byte and where it is, never guess."""
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError as error:
        offset = error.start + bom
        raise TranscriptError(
            f"not valid UTF-8 (byte 0x{data[offset]:02x} at offset {offset})"
        ) from error


def _reject_binary(data: bytes) -> None:
    """Raise for a known binary signature, NUL bytes, or a sample that is mostly control bytes."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise TranscriptError(f"binary file ({kind})")
    sample = data[:_SAMPLE]
    if b"\x00" in sample:
        raise TranscriptError("binary file")
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if controls > len(sample) * 0.1:
        raise TranscriptError("binary file")
