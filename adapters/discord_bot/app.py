"""The Discord bot: slash commands and buttons, each a thin handler (options → command layer → render → send).

No privileged intents: slash commands and buttons arrive as interactions whatever the intents; the
guilds intent (not privileged) keeps discord.py's cache of servers and channels, which it expects.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands
from discord.ext.commands import Bot, Cog, when_mentioned

from adapters.common import shorten
from adapters.discord_bot import render
from adapters.discord_bot.buttons import QuoteButton, is_current
from adapters.discord_bot.render import Answer
from adapters.discord_bot.respond import APOLOGY, DEFER_AFTER, answer_now, respond, suggest
from bot.commands import ADMIN_DESCRIPTIONS, DESCRIPTIONS, NOT_ALLOWED, OPERATORS_ONLY, Commands
from bot.models import ChatRef, Reply
from bot.storage import SavedSearch, Storage

log = logging.getLogger(__name__)

PLATFORM = "discord"
QUERY_MAX = 300
AUTOCOMPLETE_CHOICES = 25
CHOICE_MAX = 100
OUTDATED = "This button is from an older message that I can't use any more. Run /quote again."
EXPIRED = "That search has expired. Run /quote again."
NOT_YOURS = "Only the person who searched can use these buttons. Run /quote to search yourself."
GONE = "That quote isn't on this message any more. Run /quote again."


def search_text(query: str, episode: str | None = None, after: str | None = None, before: str | None = None) -> str:
    """The slash command's options as one query of the command layer: `words episode:"…" after:"…"`."""
    parts = [query.strip()]
    for key, value in (("episode", episode), ("after", after), ("before", before)):
        cleaned = (value or "").replace('"', " ").strip()
        if cleaned:
            parts.append(f'{key}:"{cleaned}"')
    return " ".join(parts)


def chat_of(interaction: discord.Interaction, channel_id: int | None = None, is_operator: bool = False) -> ChatRef:
    """The channel a command is about, whether the member may manage the server's subscriptions,
    and whether they run the bot (the caller knows PODQUOTE_ADMINS)."""
    return ChatRef(
        PLATFORM,
        str(channel_id or interaction.channel_id),
        str(interaction.user.id),
        can_manage=interaction.permissions.manage_guild,
        is_operator=is_operator,
    )


class TextChannelOption(app_commands.Transformer):
    """A channel option offering only channels that can take messages; its value is the channel as given.

    discord.py's own TextChannel option fails for a channel missing from its cache (its server not yet
    available, a channel made a moment ago), and all a subscription needs is the channel's id.
    """

    @property
    def type(self) -> discord.AppCommandOptionType:
        """Options of this kind are channels."""
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        """Text and announcement channels."""
        return [discord.ChannelType.text, discord.ChannelType.news]

    async def transform(self, interaction: discord.Interaction, value: Any) -> Any:
        """The channel as Discord resolved it (an AppCommandChannel)."""
        return value


ChannelOption = app_commands.Transform[app_commands.AppCommandChannel, TextChannelOption]


class Podquote(Cog):
    """The slash commands and the quote buttons."""

    def __init__(
        self, commands: Commands, defer_after: float = DEFER_AFTER,
        is_admin: Callable[[str, str], bool] = lambda platform, user_id: False,
    ) -> None:
        self.commands = commands
        self.storage: Storage = commands.library.storage
        self.defer_after = defer_after
        # Settings.is_admin: whether a platform's user is one of the operators (PODQUOTE_ADMINS).
        self.is_admin = is_admin

    async def _respond(self, interaction: discord.Interaction, work: Any, **how: bool) -> None:
        await respond(interaction, work, defer_after=self.defer_after, **how)

    # Searching

    @app_commands.command(description=DESCRIPTIONS["quote"])
    @app_commands.describe(
        query='Words you remember; "an exact phrase" in double quotes',
        episode="Only quotes from this episode",
        after="Only episodes aired on or after this day (YYYY-MM-DD)",
        before="Only episodes aired on or before this day (YYYY-MM-DD)",
        private="Show the quotes to you alone, each with a button to post it here",
    )
    async def quote(
        self,
        interaction: discord.Interaction,
        query: app_commands.Range[str, 1, QUERY_MAX],
        episode: str | None = None,
        after: str | None = None,
        before: str | None = None,
        private: bool = False,
    ) -> None:
        """/quote: the best quotes, with buttons for more."""
        text = search_text(query, episode, after, before)
        await self._respond(interaction, self._first_page(interaction, text, private), ephemeral=private)

    async def _first_page(self, interaction: discord.Interaction, text: str, private: bool) -> Answer:
        reply = await self.commands.quote(text)
        search_id = await self.storage.save_search(PLATFORM, str(interaction.user.id), text) if reply.quotes else None
        return render.quotes(reply, search_id, private)

    @quote.autocomplete("episode")
    async def episode_titles(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Episode titles containing what was typed so far, newest first (offered here, not by discord.py,
        so that an autocomplete that expired is one warning line rather than a traceback)."""
        found = await self.storage.find_episodes(current, AUTOCOMPLETE_CHOICES)
        titles = [shorten(e.title, CHOICE_MAX) for e in found]
        choices = [app_commands.Choice(name=title, value=title) for title in titles]
        await suggest(interaction, choices)
        return choices

    @app_commands.command(description=DESCRIPTIONS["random"])
    @app_commands.describe(query="Pick among the quotes that match these words")
    async def random(
        self, interaction: discord.Interaction, query: app_commands.Range[str, 1, QUERY_MAX] | None = None
    ) -> None:
        """/random: a random quote."""
        await self._respond(interaction, self._rendered(self.commands.random(query or "")))

    @app_commands.command(description=DESCRIPTIONS["latest"])
    async def latest(self, interaction: discord.Interaction) -> None:
        """/latest: the newest episodes."""
        await self._respond(interaction, self._rendered(self.commands.latest()))

    @app_commands.command(description=DESCRIPTIONS["episodes"])
    @app_commands.describe(page="Which page of the list")
    async def episodes(self, interaction: discord.Interaction, page: app_commands.Range[int, 1, 10_000] = 1) -> None:
        """/episodes: every episode, a page at a time."""
        await self._respond(interaction, self._rendered(self.commands.episodes(str(page))))

    @app_commands.command(description=DESCRIPTIONS["help"])
    async def help(self, interaction: discord.Interaction) -> None:
        """/help: what the bot does, with an example that finds something."""
        await self._respond(interaction, self._rendered(self.commands.help()), ephemeral=True)

    async def _rendered(self, reply: Any) -> Answer:
        return render.render(await reply)

    # Subscriptions: Manage Server by default (the server can change that), and checked again here.

    @app_commands.command(description=DESCRIPTIONS["subscribe"])
    @app_commands.describe(channel="The channel for the messages (this one if not given)")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def subscribe(self, interaction: discord.Interaction, channel: ChannelOption | None = None) -> None:
        """/subscribe: new-episode messages in a channel."""
        await self._about_channel(interaction, channel, self.commands.subscribe)

    @app_commands.command(description=DESCRIPTIONS["unsubscribe"])
    @app_commands.describe(channel="The channel to stop the messages in (this one if not given)")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def unsubscribe(self, interaction: discord.Interaction, channel: ChannelOption | None = None) -> None:
        """/unsubscribe: no more new-episode messages in a channel."""
        await self._about_channel(interaction, channel, self.commands.unsubscribe)

    @app_commands.command(description=DESCRIPTIONS["subscriptions"])
    @app_commands.describe(channel="The channel to ask about (this one if not given)")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def subscriptions(self, interaction: discord.Interaction, channel: ChannelOption | None = None) -> None:
        """/subscriptions: what a channel is subscribed to."""
        await self._about_channel(interaction, channel, self.commands.subscriptions)

    async def _about_channel(
        self, interaction: discord.Interaction, channel: Any, decide: Callable[[str, ChatRef], Awaitable[Reply]]
    ) -> None:
        """A subscription command about the channel given (or this one), for members with Manage Server."""
        chat = chat_of(interaction, channel.id if channel else None)
        if not chat.can_manage:  # the core also refuses (un)subscribing, but not the listing
            await answer_now(interaction, render.refusal(NOT_ALLOWED))
            return
        await self._respond(interaction, self._rendered(decide("", chat)), ephemeral=True)

    # The operators' commands: hidden from all but server administrators by default (a server may
    # change that), never offered in DMs, and refused to anyone not in PODQUOTE_ADMINS all the same.

    @app_commands.command(description=ADMIN_DESCRIPTIONS["ingest"])
    @app_commands.describe(file="A transcript: WebVTT, SRT, JSON, HTML, Markdown or text")
    @app_commands.default_permissions(administrator=True)
    @app_commands.guild_only()
    async def ingest(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        """/ingest: add or replace an episode from an attached transcript file."""
        chat = self._operator_chat(interaction)
        refused = self.commands.upload_refusal(file.filename, file.size, chat)
        if refused is not None:
            await answer_now(interaction, render.refusal(refused.text))
            return
        # Deferred at once: downloading, reading and indexing a big file takes longer than Discord's 3 s.
        await respond(interaction, self._ingested(file, chat), defer_after=0, ephemeral=True)

    async def _ingested(self, file: discord.Attachment, chat: ChatRef) -> Answer:
        data = await file.read()
        return render.text(await self.commands.ingest_upload(file.filename, data, chat))

    @app_commands.command(description=ADMIN_DESCRIPTIONS["stats"])
    @app_commands.default_permissions(administrator=True)
    @app_commands.guild_only()
    async def stats(self, interaction: discord.Interaction) -> None:
        """/stats: the library, subscriptions, deliveries and feeds in numbers."""
        await self._for_operators(interaction, self.commands.stats)

    @app_commands.command(description=ADMIN_DESCRIPTIONS["feeds"])
    @app_commands.default_permissions(administrator=True)
    @app_commands.guild_only()
    async def feeds(self, interaction: discord.Interaction) -> None:
        """/feeds: each watched feed and how its polling goes."""
        await self._for_operators(interaction, self.commands.feeds)

    @app_commands.command(description=ADMIN_DESCRIPTIONS["reindex"])
    @app_commands.default_permissions(administrator=True)
    @app_commands.guild_only()
    async def reindex(self, interaction: discord.Interaction) -> None:
        """/reindex: rebuild the search index from the database (deferred at once: it takes a while)."""
        await self._for_operators(interaction, self.commands.reindex, defer_after=0)

    def _operator_chat(self, interaction: discord.Interaction) -> ChatRef:
        return chat_of(interaction, is_operator=self.is_admin(PLATFORM, str(interaction.user.id)))

    async def _for_operators(
        self, interaction: discord.Interaction, decide: Callable[[str, ChatRef], Awaitable[Reply]],
        defer_after: float | None = None,
    ) -> None:
        """An operators' command: refused at once to anyone else; else answered for the asker alone."""
        chat = self._operator_chat(interaction)
        if not chat.is_operator:
            await answer_now(interaction, render.refusal(OPERATORS_ONLY))
            return
        wait = self.defer_after if defer_after is None else defer_after
        await respond(interaction, self._rendered(decide("", chat)), defer_after=wait, ephemeral=True)

    # Buttons (see buttons.py): only the person who searched may use them.

    @Cog.listener()
    async def on_quote_page(self, interaction: discord.Interaction, search_id: int, offset: int) -> None:
        """◀ ▶: the other page, in place of this one."""
        private = bool(interaction.message and interaction.message.flags.ephemeral)
        work = self._page(interaction, search_id, offset, private)
        await self._respond(interaction, work, ephemeral=private, update=True)

    async def _page(self, interaction: discord.Interaction, search_id: int, offset: int, private: bool) -> Answer:
        search = await self._search_for(interaction, search_id)
        if isinstance(search, Answer):
            return search
        return render.quotes(await self.commands.quote(search.query, offset), search.id, private)

    @Cog.listener()
    async def on_quote_post(self, interaction: discord.Interaction, search_id: int, index: int) -> None:
        """Post: the chosen quote, for everyone in the channel to see."""
        await self._respond(interaction, self._shared(interaction, search_id, index))

    async def _shared(self, interaction: discord.Interaction, search_id: int, index: int) -> Answer:
        search = await self._search_for(interaction, search_id)
        if isinstance(search, Answer):
            return search
        # The quote as the clicker saw it: searching again could find another one at that place now (a
        # new episode shifts the results). Discord sends the clicked message with a click, ephemeral too.
        shown = render.numbered(interaction.message.embeds if interaction.message else [], index + 1)
        if shown is None:
            return render.refusal(GONE)
        return render.shared(shown, interaction.user.display_name)

    async def _search_for(self, interaction: discord.Interaction, search_id: int) -> SavedSearch | Answer:
        """A button's saved search; or, if the clicker may not use it (gone, someone else's), the refusal."""
        search = await self.storage.saved_search(search_id)
        if search is None or search.platform != PLATFORM:
            return render.refusal(EXPIRED)
        if search.user_id != str(interaction.user.id):
            return render.refusal(NOT_YOURS)
        return search

    @Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """A click discord.py would drop in silence (an older version's button, a tampered one): say so."""
        if interaction.type is discord.InteractionType.component:
            custom_id = str((interaction.data or {}).get("custom_id", ""))
            if not is_current(custom_id) or not _shown_on(interaction.message, custom_id):
                log.info("refused an unknown button custom_id=%.40r", custom_id)
                await answer_now(interaction, render.refusal(OUTDATED))


def _shown_on(message: discord.Message | None, custom_id: str) -> bool:
    """Whether the message has a button with this custom_id (discord.py ignores clicks on any other)."""
    rows = message.components if message is not None else []
    return any(getattr(item, "custom_id", None) == custom_id for row in rows for item in getattr(row, "children", ()))


class DiscordBot(Bot):
    """The client: the command tree, the buttons, and registering the commands with Discord."""

    def __init__(
        self, commands: Commands, guild_id: int | None = None, defer_after: float = DEFER_AFTER,
        is_admin: Callable[[str, str], bool] = lambda platform, user_id: False, **options: Any,
    ) -> None:
        options.setdefault("intents", discord.Intents(guilds=True))
        # The bot never speaks: no warnings at every start-up about voice libraries it doesn't need.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(command_prefix=when_mentioned, help_command=None, allowed_mentions=render.NO_MENTIONS, **options)
        self.podquote = Podquote(commands, defer_after, is_admin)
        self.guild_id = guild_id
        self.tree.error(self.on_command_error)

    async def setup_hook(self) -> None:
        """Before connecting: the commands, the buttons, and the commands registered where they changed."""
        await self.add_cog(self.podquote)
        self.add_dynamic_items(QuoteButton)
        await sync_commands(self.tree, self.podquote.storage, self.guild_id)

    async def on_command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """A command that couldn't run (bad option, no permission, a failure): a short word, never silence."""
        if isinstance(error, app_commands.CommandInvokeError):
            log.error("command failed what=/%s", interaction.command.name if interaction.command else "?",
                      exc_info=error.original)
            words = APOLOGY
        else:
            log.info("command refused: %s", error)
            words = str(error) or "That didn't work."
        await answer_now(interaction, render.refusal(words))


async def sync_commands(tree: app_commands.CommandTree, storage: Storage, guild_id: int | None) -> bool:
    """Register the commands with Discord if they changed since the last time (with a guild: there, at once)."""
    guild = discord.Object(id=guild_id) if guild_id else None
    if guild is not None:
        tree.copy_global_to(guild=guild)
    payload = [command.to_dict(tree) for command in tree.get_commands(guild=guild)]
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    key = f"discord.commands.{tree.client.application_id}.{guild_id or 'global'}"
    if await storage.get_state(key) == digest:
        log.info("commands unchanged, not synced scope=%s", guild_id or "global")
        return False
    try:
        await tree.sync(guild=guild)
    except discord.Forbidden:
        log.error("cannot register the commands in guild=%s: is the bot in it, with applications.commands?", guild_id)
        return False
    except discord.HTTPException as error:
        # Not worth stopping the bot for: the commands registered before keep working, and as the
        # digest isn't stored, the next start tries again.
        log.error("cannot register the commands scope=%s status=%s code=%s, carrying on with those registered "
                  "before: %s", guild_id or "global", error.status, error.code, _one_line(str(error)))
        return False
    await storage.set_state(key, digest)
    log.info("commands synced scope=%s count=%d", guild_id or "global", len(payload))
    return True


def _one_line(text: str) -> str:
    """A multi-line error (discord.py lists each refused command on a line of its own) as one log line."""
    return "; ".join(line.strip() for line in text.splitlines() if line.strip())
