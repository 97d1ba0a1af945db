"""Page buttons' callback data: compact and versioned, with the query itself kept in the database.

Telegram allows 64 bytes of callback data, so a button carries `q1:<offset>:<asker>:<key>`, where
the key names the query in the state table: buttons keep working after a restart. Data in any
other shape (an older version's, a forged one) parses to None and gets a short notice.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

from adapters.telegram_bot.render import MAX_EPISODE_OFFSET, MAX_OFFSET
from bot.storage import Storage

QUOTES = "q1"
EPISODES = "e1"
_DATA = re.compile(
    r"^(?P<kind>q1|e1):(?P<offset>\d{1,6}):(?P<asker>-?\d{1,20})(?::(?P<key>[A-Za-z0-9_-]{1,16}))?$"
)
# How deep each kind of list may be paged.
DEEPEST = {QUOTES: MAX_OFFSET, EPISODES: MAX_EPISODE_OFFSET}
_STATE_PREFIX = "telegram.query."
KEY_LENGTH = 12


@dataclass(frozen=True, slots=True)
class Page:
    """A press of a page button: which list, from which result on, asked by whom, for which query."""

    kind: str
    offset: int
    asker: int
    key: str | None = None

    def data(self) -> str:
        """The button's callback data."""
        parts = [self.kind, str(self.offset), str(self.asker)]
        return ":".join(parts + ([self.key] if self.key else []))


def parse_page(data: str | None) -> Page | None:
    """The page a button asks for; None for data of another version or shape."""
    match = _DATA.match(data or "")
    if not match or (match["kind"] == QUOTES) != bool(match["key"]):
        return None
    if int(match["offset"]) > DEEPEST[match["kind"]]:
        return None
    return Page(match["kind"], int(match["offset"]), int(match["asker"]), match["key"])


def query_key(query: str) -> str:
    """A short, stable name for a query: the same words always get the same key."""
    digest = hashlib.sha256(query.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:KEY_LENGTH]


class SavedQueries:
    """The queries behind page buttons, kept in the database's state table under their keys."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def save(self, query: str) -> str:
        """Keep a query (once) and return its key."""
        key = query_key(query)
        if await self.storage.get_state(_STATE_PREFIX + key) != query:
            await self.storage.set_state(_STATE_PREFIX + key, query)
        return key

    async def load(self, key: str) -> str | None:
        """The query saved under a key, if any."""
        return await self.storage.get_state(_STATE_PREFIX + key)
