"""Turn a transcript file's bytes into text; refuse binaries and bad encodings, saying why."""

from __future__ import annotations

import codecs
import unicodedata

from search.errors import TranscriptError

# Longest first: UTF-32-LE's mark begins with UTF-16-LE's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
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
_CONTROLS = dict.fromkeys([*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F])
_SAMPLE = 8192
# Text whose sample has more control characters than this share is a binary file. Fewer, and a
# stray NUL is a damaged character: replaced, as the WebVTT spec's parser does, not fatal.
_MAX_CONTROL_SHARE = 0.1


def decode(data: bytes) -> str:
    """Decode UTF-8 (BOM optional) or UTF-16 / UTF-32 (BOM required) to text with '\\n' line ends."""
    if not data.strip():
        raise TranscriptError("empty file")
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), None)
    if encoding is None:
        _reject_binary(data)
        text = _decode_utf8(data)
    else:
        text = _decode_marked(data, encoding)
    if not text.strip():
        raise TranscriptError("empty file")
    text = text.replace("\x00", "\ufffd").replace("\r\n", "\n").replace("\r", "\n")
    # NFC: macOS and some caption tools write "ï" as "i" plus a combining mark, which the analyzer would
    # cut in two. Not NFKC: that would also rewrite what a quote shows ("…" as "...", "²" as "2").
    return unicodedata.normalize("NFC", text)


def _decode_marked(data: bytes, encoding: str) -> str:
    """Decode UTF-16 or UTF-32 whose byte-order mark says which end comes first."""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        raise TranscriptError(f"not valid {encoding.upper()} (at offset {error.start})") from error
    if _mostly_controls(text[:_SAMPLE]):
        raise TranscriptError("binary file")
    return text.removeprefix("\ufeff")


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
    """Raise for a known binary signature, or a sample with too many control bytes."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise TranscriptError(f"binary file ({kind})")
    # Latin-1 maps each byte to the character of the same number: count them as characters.
    if _mostly_controls(data[:_SAMPLE].decode("latin-1")):
        raise TranscriptError("binary file")


def _mostly_controls(sample: str) -> bool:
    """Whether more than a tenth of a sample are control characters (UTF-16 read as UTF-8, say)."""
    return len(sample) - len(sample.translate(_CONTROLS)) > len(sample) * _MAX_CONTROL_SHARE
