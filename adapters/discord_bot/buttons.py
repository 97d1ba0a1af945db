"""Buttons that keep working after a restart: each custom_id names a saved search and what to do with it.

The custom_id is all Discord gives back when a button is clicked, so it carries the saved search's id
(the query itself lives in SQLite) and a versioned prefix: when the meaning of an id changes, bump
the version, and buttons on old messages are then refused politely instead of doing the wrong thing.
discord.py routes a click to the DynamicItem whose template matches, whichever process sent it.
"""

from __future__ import annotations

import re
from typing import Any

import discord

VERSION = "pq1"
_ID = "[0-9]{1,18}"
_NUMBER = "[0-9]{1,5}"


class QuoteButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=rf"{VERSION}:(?P<action>page|post):(?P<search>{_ID}):(?P<number>{_NUMBER})",
):
    """A button of a quote message. page: show the page that starts at quote `number`, in place;
    post: share quote `number` (counting from 0) publicly in the channel."""

    def __init__(self, action: str, search_id: int, number: int, **look: Any) -> None:
        super().__init__(discord.ui.Button(custom_id=f"{VERSION}:{action}:{search_id}:{number}", **look))
        self.action = action
        self.search_id = search_id
        self.number = number

    @classmethod
    def page(cls, search_id: int, offset: int, label: str, disabled: bool = False) -> QuoteButton:
        """◀ or ▶."""
        return cls("page", search_id, offset, label=label, disabled=disabled)

    @classmethod
    def post(cls, search_id: int, index: int) -> QuoteButton:
        """Post #n."""
        return cls("post", search_id, index, label=f"Post #{index + 1}", style=discord.ButtonStyle.primary)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> QuoteButton:
        """The button as clicked, rebuilt from its custom_id."""
        look = {"label": item.label, "disabled": item.disabled, "style": item.style}
        return cls(match["action"], int(match["search"]), int(match["number"]), **look)

    async def callback(self, interaction: discord.Interaction) -> None:
        """Hand the click to whoever listens for `quote_page` or `quote_post` (the command handlers)."""
        interaction.client.dispatch(f"quote_{self.action}", interaction, self.search_id, self.number)


def is_current(custom_id: str) -> bool:
    """Whether a clicked custom_id is one this version of the bot understands."""
    return QuoteButton.__discord_ui_compiled_template__.fullmatch(custom_id) is not None
