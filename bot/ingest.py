"""Transcript files -> episode records: find the files, read their manifests, merge the metadata."""

from __future__ import annotations

import csv
import hashlib
import json
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from bot.storage import EpisodeRecord
from search.errors import TranscriptError
from search.formats import parse_transcript
from search.models import Episode, Segment, Transcript

MANIFEST_NAMES = ("manifest.toml", "manifest.csv", "episodes.csv")
# Files never taken for transcripts when a folder is ingested.
SKIPPED_NAMES = {*MANIFEST_NAMES, "readme.md", "notice.md", "license", "license.md", "license.txt"}
UNKNOWN_PODCAST = "Unknown podcast"
MAX_FILE_BYTES = 50_000_000


@dataclass(frozen=True, slots=True)
class Metadata:
    """What an operator can set or correct about an episode (manifest entries and command flags)."""

    id: str | None = None
    podcast: str | None = None
    title: str | None = None
    published: date | None = None
    urls: tuple[str, ...] = ()

    def over(self, other: Metadata) -> Metadata:
        """These values, falling back to `other`'s where these are unset."""
        return Metadata(
            id=self.id or other.id,
            podcast=self.podcast or other.podcast,
            title=self.title or other.title,
            published=self.published or other.published,
            urls=self.urls or other.urls,
        )


def transcript_files(paths: list[Path]) -> Iterator[Path]:
    """The files named, and the transcript files inside the folders named, in a stable order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.name.lower() not in SKIPPED_NAMES and not p.name.startswith(".")
            )
        else:
            yield path


def read_record(path: Path, flags: Metadata = Metadata()) -> EpisodeRecord:
    """Read, parse and describe one transcript file. Raises TranscriptError with the reason."""
    data = _read_bytes(path)
    return record_from_bytes(data, path.name, str(path), flags.over(manifest_entry(path)), f"file:{path.resolve()}")


def record_from_bytes(
    data: bytes, name: str, source: str, metadata: Metadata = Metadata(), id_key: str | None = None
) -> EpisodeRecord:
    """Parse and describe one transcript (a file's bytes, or a download's). Raises TranscriptError."""
    transcript = parse_transcript(data, name)
    given, metadata = metadata, metadata.over(_from_transcript(transcript))
    episode = Episode(
        id=metadata.id or episode_id_for(id_key or source),
        podcast=metadata.podcast or UNKNOWN_PODCAST,
        title=metadata.title or Path(name).stem.replace("_", " ").replace("-", " "),
        published=metadata.published,
        urls=metadata.urls,
        duration=transcript.duration or _last_start(transcript),
        segments=tuple(transcript.segments),
    )
    return EpisodeRecord(
        episode, source, transcript.format, fingerprint(data, episode),
        content_key=content_key(episode.segments),
        id_from_place=metadata.id is None,
        given=_given(given),
    )


def episode_id_for(key: str) -> str:
    """A short, stable episode id from whatever identifies it (a guid, a URL, a file path)."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def fingerprint(data: bytes, episode: Episode) -> str:
    """What changes when the file or its metadata changes: re-ingesting the same thing is a no-op."""
    meta = [episode.id, episode.podcast, episode.title, str(episode.published), list(episode.urls)]
    return hashlib.sha256(data + json.dumps(meta).encode()).hexdigest()


def content_key(segments: Sequence[Segment]) -> str | None:
    """A hash of what a transcript says, when and by whom: the same from any file it is read from."""
    if not segments:
        return None
    rows = [[s.text, s.start, s.speaker] for s in segments]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


def _given(metadata: Metadata) -> tuple[tuple[str, object], ...]:
    """The episode fields an operator set (a manifest entry, the ingest flags)."""
    fields = (("podcast", metadata.podcast), ("title", metadata.title),
              ("published", metadata.published), ("urls", metadata.urls))
    return tuple((name, value) for name, value in fields if value)


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise TranscriptError(f"too large ({size // 1_000_000} MB; the limit is 50 MB)")
        return path.read_bytes()
    except FileNotFoundError:
        raise TranscriptError("no such file") from None
    except IsADirectoryError:
        raise TranscriptError("is a folder") from None
    except OSError as error:
        raise TranscriptError(f"cannot read it: {error.strerror}") from None


def _from_transcript(transcript: Transcript) -> Metadata:
    return Metadata(
        podcast=transcript.podcast, title=transcript.title, published=transcript.published,
        urls=transcript.urls,
    )


def _last_start(transcript: Transcript) -> float | None:
    starts = [s.start for s in transcript.segments if s.start is not None]
    return max(starts) if starts else None


# Manifests


def manifest_entry(path: Path) -> Metadata:
    """The manifest entry for a file, from a manifest in its folder or the nearest folder above."""
    for folder in list(path.resolve().parents)[:4]:
        entries = _manifest(folder)
        key = path.resolve().relative_to(folder).as_posix()
        if key in entries:
            return entries[key]
    return Metadata()


@lru_cache(maxsize=64)
def _manifest(folder: Path) -> Mapping[str, Metadata]:
    for name in MANIFEST_NAMES:
        manifest = folder / name
        if manifest.is_file():
            return _load_manifest(manifest)
    return {}


def _load_manifest(manifest: Path) -> dict[str, Metadata]:
    try:
        if manifest.suffix == ".toml":
            with manifest.open("rb") as file:
                rows = [{"path": key, **value} for key, value in tomllib.load(file).items()]
        else:
            with manifest.open(newline="", encoding="utf-8") as file:
                rows = list(csv.DictReader(file))
        return {row["path"]: _entry(row) for row in rows if row.get("path")}
    except (OSError, ValueError, KeyError, tomllib.TOMLDecodeError) as error:
        raise TranscriptError(f"bad manifest {manifest}: {error}") from error


def _entry(row: Mapping[str, object]) -> Metadata:
    urls = row.get("urls") or row.get("url") or ()
    return Metadata(
        id=_text(row.get("id") or row.get("guid")),
        podcast=_text(row.get("podcast") or row.get("show")),
        title=_text(row.get("title")),
        published=parse_day(row.get("published") or row.get("date") or row.get("first_seen")),
        urls=(urls,) if isinstance(urls, str) else tuple(urls),
    )


def _text(value: object) -> str | None:
    return str(value).strip() or None if value else None


def parse_day(value: object) -> date | None:
    """A date from a manifest or a flag: a TOML date, or text like 2024-09-13."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ValueError(f"not a date (YYYY-MM-DD): {value!r}") from None



