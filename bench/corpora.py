"""The corpora: the seeds, the Changelog transcripts from ../shared, and a scaled copy of them.

The Changelog transcripts are CC BY-SA 4.0 (../shared/corpora/changelog/NOTICE.md): they are
unpacked under bench/.work/ (ignored by git), never committed, nor is any text derived from them.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tarfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from bot.config import DEFAULT_SEEDS
from bot.ingest import read_record, transcript_files
from search.analyzer import WORD, term_of
from search.models import Episode, Segment
from search.passages import build_passages

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
CHANGELOG = Path("corpora") / "changelog"
# The scaled corpus keeps the most frequent word types as they are (so common words stay as common
# as in real speech) and respells a share of the rest in each copy, so the vocabulary keeps growing.
KEPT_COMMON_TYPES = 5000
RESPELT_SHARE = 0.5


def shared_dir(root: Path = ROOT) -> Path | None:
    """The shared folder beside the project (../shared), if it is there."""
    folder = root.parent / "shared"
    return folder if (folder / CHANGELOG).is_dir() else None


def unpack_changelog(shared: Path, work: Path = WORK) -> Path:
    """The Changelog transcripts unpacked (once) into a folder with their episodes.csv manifest."""
    folder = work / "changelog" / "transcripts"
    done = folder / ".unpacked"
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        with tarfile.open(shared / CHANGELOG / "transcripts.tar.gz") as archive:
            archive.extractall(folder, filter="data")
        shutil.copy(shared / CHANGELOG / "episodes.csv", folder / "episodes.csv")
        done.touch()
    return folder


def load_episodes(folder: Path) -> list[Episode]:
    """Every transcript under a folder read into an Episode, the way `podquote ingest` reads them."""
    return [read_record(path).episode for path in transcript_files([folder])]


def seed_folder() -> Path:
    """The embedded seed corpus."""
    return DEFAULT_SEEDS


def passages_of(episodes: Sequence[Episode]) -> Iterator[tuple[str, str]]:
    """(episode id, passage text) for every passage, cut exactly as the index cuts them."""
    for episode in episodes:
        for passage in build_passages(episode.segments):
            yield episode.id, passage.text


def word_count(episodes: Sequence[Episode]) -> int:
    """Words spoken in the episodes (as `podquote stats` counts them: white-space separated)."""
    return sum(len(s.text.split()) for e in episodes for s in e.segments)


# The scaled corpus


class Respeller:
    """Copy `n` of the corpus: the same speech with a share of its rarer words spelt anew."""

    def __init__(self, common: frozenset[str], copy: int) -> None:
        self.common = common
        self.copy = copy
        self._cache: dict[str, str] = {}

    def word(self, word: str) -> str:
        """The word as copy `n` spells it (the same every time it occurs)."""
        known = self._cache.get(word)
        if known is None:
            known = self._cache[word] = self._respell(word)
        return known

    def _respell(self, word: str) -> str:
        lower = word.lower()
        if len(lower) < 4 or lower in self.common or not term_of(word):
            return word
        digest = hashlib.blake2b(f"{self.copy}:{lower}".encode(), digest_size=8).digest()
        if digest[0] >= 256 * RESPELT_SHARE:
            return word
        at = 1 + digest[1] % (len(word) - 1)
        return word[:at] + "aeioulnrstkm"[digest[2] % 12] + word[at:]

    def episode(self, episode: Episode) -> Episode:
        """A new episode (new id and title) with this copy's spelling."""
        segments = tuple(Segment(self.text(s.text), s.start, s.speaker) for s in episode.segments)
        return replace(
            episode, id=f"{episode.id}-copy{self.copy}", title=f"{episode.title} (copy {self.copy})",
            segments=segments,
        )

    def text(self, text: str) -> str:
        """A text with this copy's spelling."""
        return WORD.sub(lambda m: self.word(m[0]), text)


def common_types(episodes: Sequence[Episode], keep: int = KEPT_COMMON_TYPES) -> frozenset[str]:
    """The most frequent lower-cased word types of a corpus."""
    counts: Counter[str] = Counter()
    for episode in episodes:
        for segment in episode.segments:
            counts.update(m[0].lower() for m in WORD.finditer(segment.text))
    return frozenset(word for word, _ in counts.most_common(keep))


def scaled_episodes(episodes: Sequence[Episode], copies: int) -> Iterator[Episode]:
    """The corpus as it is, then respelt copies 1, 2, ... of it, for as long as the caller takes."""
    yield from episodes
    common = common_types(episodes)
    for copy in range(1, copies + 1):
        respeller = Respeller(common, copy)
        yield from (respeller.episode(e) for e in episodes)

