"""Page buttons: their callback data, and whether a press may be believed.

A modified client can send any callback data with a press, on any of the bot's messages. What it can't
change is the message itself, which Telegram sends along with the press as it stands: so a press is
believed only when its data is on a button of that very message (the Discord adapter checks its clicks
the same way). The data can then be neither made up nor moved to another message.

Telegram allows 64 bytes of data. A quotes button carries `q2:<offset>:<search>`, the id of a saved
search (the storage's saved_searches, which Discord's buttons use too: who asked, and what), so buttons
keep working after a restart; an episodes button carries `e1:<offset>:<asker>`. Data in another shape
parses to None and gets a short notice that the buttons have expired: among it the `q1` buttons of
older versions, which named a query kept elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import Message

from adapters.telegram_bot.render import MAX_EPISODE_OFFSET, MAX_OFFSET

QUOTES = "q2"
EPISODES = "e1"
# Each page has one spelling: ASCII digits (\d would read ٣ as 3), no leading zeros, no id 0.
_DATA = re.compile(r"(?P<kind>q2|e1):(?P<offset>0|[1-9][0-9]{0,5}):(?P<subject>-?[1-9][0-9]{0,18})")
# How deep each kind of list may be paged.
DEEPEST = {QUOTES: MAX_OFFSET, EPISODES: MAX_EPISODE_OFFSET}


@dataclass(frozen=True, slots=True)
class Page:
    """A press of a page button: which list, from which result on, and of what: for quotes the saved
    search's id, for episodes the id of who asked (a person's, or a chat's speaking as itself)."""

    kind: str
    offset: int
    subject: int

    def data(self) -> str:
        """The button's callback data."""
        return f"{self.kind}:{self.offset}:{self.subject}"


def parse_page(data: str | None) -> Page | None:
    """The page a button asks for; None for data of another version or shape."""
    match = _DATA.fullmatch(data or "")
    if not match or (match["kind"] == QUOTES and match["subject"].startswith("-")):
        return None
    if int(match["offset"]) > DEEPEST[match["kind"]]:
        return None
    return Page(match["kind"], int(match["offset"]), int(match["subject"]))


def shown_on(message: Message, data: str) -> bool:
    """Whether the message has a button with this callback data."""
    rows = message.reply_markup.inline_keyboard if message.reply_markup else ()
    return any(button.callback_data == data for row in rows for button in row)
