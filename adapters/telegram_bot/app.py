"""Telegram handlers, kept thin: parse the update, ask the command layer, render the reply, send it."""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import CallbackQuery, Chat, ChatMember, InlineQuery, InlineQueryResultsButton, Message, Update, User
from telegram.constants import ChatAction
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from adapters.common import shorten
from adapters.telegram_bot.flood import FloodControl, Verdict
from adapters.telegram_bot.paging import EPISODES, QUOTES, Page, parse_page, shown_on
from adapters.telegram_bot.render import (
    MAX_OFFSET,
    SEND_OPTIONS,
    Rendered,
    inline_episodes,
    inline_quotes,
    render,
)
from bot.commands import ADMIN_DESCRIPTIONS, DESCRIPTIONS, Command, Commands, parse_command
from bot.models import ChatRef, EpisodesReply, QuoteReply, Reply
from bot.storage import Storage

log = logging.getLogger(__name__)

PLATFORM = "telegram"
MANAGING = frozenset({"subscribe", "unsubscribe"})
ADMINS = frozenset({ChatMember.ADMINISTRATOR, ChatMember.OWNER})
GROUPS = frozenset({Chat.GROUP, Chat.SUPERGROUP})
TOO_FAST = "You're going a bit fast. Wait a few seconds, then ask again."
NOT_YOURS = "Only the person who asked can turn these pages. Send your own /quote."
STALE = "These buttons have expired. Send the command again."
NOT_HERE = "That button isn't on this message (any more). Use the buttons it shows now."
APOLOGY = "Sorry, something went wrong on my side. Please try again in a moment."
CHATTER = "Send /quote and a few words you remember, for example /quote {example}. /help tells more."
INLINE_HINT = "How to search"
INLINE_TOO_FAST = "Going a bit fast: wait a few seconds"
# Telegram may show the same inline results again for a while without asking; quotes don't change often.
INLINE_CACHE = 300
INLINE_EMPTY_CACHE = 60
# Past the flood limit: about the time it takes to earn the next request back.
INLINE_FLOOD_CACHE = 3

Context = ContextTypes.DEFAULT_TYPE


class TelegramHandlers:
    """The bot's handlers: commands, page buttons, inline queries and the last-resort error handler."""

    def __init__(
        self, commands: Commands, storage: Storage, flood: FloodControl,
        is_admin: Callable[[str, str], bool] = lambda platform, user_id: False,
    ) -> None:
        self.commands = commands
        self.storage = storage
        self.flood = flood
        # Settings.is_admin: whether a platform's user is one of the operators (PODQUOTE_ADMINS).
        self.is_admin = is_admin

    def install(self, application: Application) -> None:
        """Register every handler on the application."""
        new_posts = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST
        application.add_handler(MessageHandler(filters.COMMAND & new_posts, self.on_command))
        chatter = filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
        application.add_handler(MessageHandler(chatter, self.on_chatter))
        # Files are taken in private chats only: in a group, people share files with each other.
        files = filters.Document.ALL & filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
        application.add_handler(MessageHandler(files, self.on_document))
        application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self.on_migrate))
        application.add_handler(CallbackQueryHandler(self.on_page))
        application.add_handler(InlineQueryHandler(self.on_inline))
        application.add_error_handler(self.on_error)

    # Commands

    async def on_command(self, update: Update, context: Context) -> None:
        """A /command: answered unless it names another bot, or is unknown outside a private chat."""
        message = update.effective_message
        command = parse_command(message.text)
        if command is None or not self._for_me(command, message, context):
            return
        if not await self._allowed(sender_key(update), message):
            return
        chat = await self._chat_ref(message, command, context)
        reply = await self.commands.handle(message.text, chat)
        await self._reply(message, reply, asker=asker_of(message))

    def _for_me(self, command: Command, message: Message, context: Context) -> bool:
        """Commands to another bot are none of ours; unknown ones get an answer only in private, and the
        operators' ones, in a group, only when an operator sends them."""
        if command.addressee and command.addressee.lower() != (context.bot.username or "").lower():
            return False
        if command.name in ADMIN_DESCRIPTIONS:  # in a group, nobody else hears of them
            return message.chat.type == Chat.PRIVATE or self._is_operator(message)
        return command.name in DESCRIPTIONS or message.chat.type == Chat.PRIVATE

    async def _allowed(self, who: str, message: Message) -> bool:
        """Flood control: one polite notice when someone goes too fast, then silence until they slow down."""
        verdict = self.flood.check(who)
        if verdict is Verdict.WARN:
            await message.reply_text(TOO_FAST)
        return verdict is Verdict.ALLOW

    async def _chat_ref(self, message: Message, command: Command, context: Context) -> ChatRef:
        can_manage = command.name in MANAGING and await self._can_manage(message, context)
        return self._ref(message, can_manage)

    def _ref(self, message: Message, can_manage: bool = False) -> ChatRef:
        """The chat a message came from, who sent it, and what they may do."""
        user = message.from_user
        sender = str(user.id) if user else None
        return ChatRef(PLATFORM, str(message.chat.id), sender, can_manage, self._is_operator(message))

    def _is_operator(self, message: Message) -> bool:
        """Sent by an operator in person (not by a group or channel speaking as itself)."""
        user: User | None = message.from_user
        return user is not None and message.sender_chat is None and self.is_admin(PLATFORM, str(user.id))

    async def _can_manage(self, message: Message, context: Context) -> bool:
        """Groups: administrators only. Private chats: the person. Channels: only admins can post there."""
        chat = message.chat
        if chat.type not in GROUPS:
            return True
        if message.sender_chat and message.sender_chat.id == chat.id:
            return True  # an anonymous administrator, posting as the group itself
        if message.from_user is None:
            return False
        member = await context.bot.get_chat_member(chat.id, message.from_user.id)
        return member.status in ADMINS

    async def _reply(self, message: Message, reply: Reply | None, asker: int | None) -> None:
        if reply is None:
            return
        rendered = await self._render(reply, asker)
        try:
            await message.reply_text(rendered.text, reply_markup=rendered.keyboard, **SEND_OPTIONS)
        except ChatMigrated as moved:
            await self._follow(message, moved.new_chat_id, rendered)

    async def _follow(self, message: Message, new_chat_id: int, rendered: Rendered) -> None:
        """The group became a supergroup since the command was sent: move it, and answer there (not as a
        reply: the command's message id belongs to the old chat)."""
        await self._move(str(message.chat.id), str(new_chat_id))
        await message.get_bot().send_message(
            new_chat_id, rendered.text, reply_markup=rendered.keyboard, **SEND_OPTIONS
        )

    async def _render(self, reply: Reply, asker: int | None, search_id: int | None = None) -> Rendered:
        """The reply as a message, with page buttons for the asker alone (see _may_page; none without an
        asker). Quotes' buttons name the asker's saved search: `search_id` when it is known already."""
        if asker is None:
            return render(reply)
        if isinstance(reply, QuoteReply) and reply.has_more:
            search = search_id or await self.storage.save_search(PLATFORM, str(asker), reply.query)
            return render(reply, lambda offset: Page(QUOTES, offset, search).data())
        if isinstance(reply, EpisodesReply):
            return render(reply, lambda offset: Page(EPISODES, offset, asker).data())
        return render(reply)

    async def on_chatter(self, update: Update, context: Context) -> None:
        """Plain text in a private chat: a pointer to how to ask."""
        if await self._allowed(sender_key(update), update.effective_message):
            example = await self.commands.example_query()
            await update.effective_message.reply_text(CHATTER.format(example=example))

    # Files

    async def on_document(self, update: Update, context: Context) -> None:
        """A file in a private chat: an operator's transcript to add or replace an episode; others are refused."""
        message = update.effective_message
        if not await self._allowed(sender_key(update), message):
            return
        document, chat = message.document, self._ref(message)
        name = document.file_name or "transcript"
        reply = self.commands.upload_refusal(name, document.file_size, chat)
        if reply is None:
            await context.bot.send_chat_action(message.chat.id, ChatAction.TYPING)  # a big file takes a while
            reply = await self.commands.ingest_upload(name, await _download(document.file_id, context), chat)
        await self._reply(message, reply, asker=None)

    # Group upgrades

    async def on_migrate(self, update: Update, context: Context) -> None:
        """A group became a supergroup, with a new id: its subscriptions follow. Telegram says so in both
        chats; whichever message comes second finds nothing left to move."""
        message = update.effective_message
        if message.migrate_to_chat_id:
            await self._move(str(message.chat.id), str(message.migrate_to_chat_id))
        else:
            await self._move(str(message.migrate_from_chat_id), str(message.chat.id))

    async def _move(self, old_chat_id: str, new_chat_id: str) -> None:
        await self.storage.move_chat(PLATFORM, old_chat_id, new_chat_id)
        log.info("telegram chat migrated old=%s new=%s", old_chat_id, new_chat_id)

    # Page buttons

    async def on_page(self, update: Update, context: Context) -> None:
        """◀ or ▶: that page, in the same message, if the press passes every check (see _checked)."""
        press = update.callback_query
        checked = await self._checked(update, context)
        if isinstance(checked, str):
            await press.answer(checked)
            return
        # Edit first, answer after: if the edit fails, the error handler's apology is the one answer.
        await self._edit(update, await self._next_page(*checked))
        await press.answer()

    async def _checked(self, update: Update, context: Context) -> tuple[Page, int, str | None] | str:
        """The page a press asks for, who asked for the list and its query (None: episodes); or, for a
        press to refuse, what to tell the presser."""
        press = update.callback_query
        page = parse_page(press.data)
        if page is None or not isinstance(press.message, Message):  # no message: too old to be sent along
            return STALE
        if self.flood.check(sender_key(update)) is not Verdict.ALLOW:
            return TOO_FAST
        if not shown_on(press.message, press.data or ""):  # made up, or another message's
            log.info("telegram button refused: not on its message chat=%s", press.message.chat.id)
            return NOT_HERE
        asked = await self._asked(page)
        if asked is None:
            return STALE
        if not await self._may_page(asked[0], press, context):
            return NOT_YOURS
        return page, *asked

    async def _asked(self, page: Page) -> tuple[int, str | None] | None:
        """Who asked for the list a button pages, and for quotes the query; None when the search is gone."""
        if page.kind == EPISODES:
            return page.subject, None
        search = await self.storage.saved_search(page.subject)
        if search is None or search.platform != PLATFORM:
            return None
        return int(search.user_id), search.query

    async def _may_page(self, asker: int, press: CallbackQuery, context: Context) -> bool:
        """The asker may; for a group or channel that spoke as itself, any administrator of this chat
        (a button press always names the real person, so an anonymous administrator is one of them)."""
        if asker == press.from_user.id:
            return True
        if asker > 0:  # a person asked: user ids are positive, chat ids of groups negative
            return False
        member = await context.bot.get_chat_member(press.message.chat.id, press.from_user.id)
        return member.status in ADMINS

    async def _next_page(self, page: Page, asker: int, query: str | None) -> Rendered:
        """The page a button asked for, rendered with its own buttons."""
        if query is None:
            return await self._render(await self.commands.episodes(offset=page.offset), asker)
        reply = await self.commands.quote(query, offset=page.offset)
        return await self._render(reply, asker, page.subject)

    async def _edit(self, update: Update, rendered: Rendered) -> None:
        try:
            await update.callback_query.edit_message_text(
                rendered.text, reply_markup=rendered.keyboard, **SEND_OPTIONS
            )
        except BadRequest as error:
            if "message is not modified" not in error.message.lower():
                raise  # a double press shows the same page again: nothing to do

    # Inline mode

    async def on_inline(self, update: Update, context: Context) -> None:
        """`@bot words` in any chat: quotes to pick, paged by offset; with no words, the newest episodes."""
        inline = update.inline_query
        self.commands.metrics.inline_queries.inc(platform=PLATFORM)
        if self.flood.check(sender_key(update)) is not Verdict.ALLOW:
            await self._inline_too_fast(inline)
        elif inline.query.strip():
            await self._inline_quotes(inline, inline.query.strip())
        else:
            hint = InlineQueryResultsButton(INLINE_HINT, start_parameter="help")
            results = inline_episodes(await self.commands.latest())
            await inline.answer(results, cache_time=INLINE_EMPTY_CACHE, button=hint)

    async def _inline_too_fast(self, inline: InlineQuery) -> None:
        """No results, and why on the button above them; briefly and for this person only (an answer
        cached for everyone would reach others typing the same words)."""
        hint = InlineQueryResultsButton(INLINE_TOO_FAST, start_parameter="help")
        await inline.answer([], cache_time=INLINE_FLOOD_CACHE, is_personal=True, button=hint)

    async def _inline_quotes(self, inline: InlineQuery, words: str) -> None:
        offset = int(inline.offset) if inline.offset.isdigit() else 0
        if offset > MAX_OFFSET:  # only a tampered client asks for so deep a page: it gets nothing
            await inline.answer([], cache_time=INLINE_CACHE)
            return
        reply = await self.commands.quote(words, offset=offset)
        # No more pages: leave next_offset out. An empty string would do for Telegram, but PTB 22.8 with
        # Defaults turns "" into [] (ExtBot._insert_defaults takes it for an empty list of poll options).
        more = str(offset + len(reply.quotes)) if reply.has_more else None
        nothing = not reply.quotes and not offset
        hint = InlineQueryResultsButton(_nothing(reply), start_parameter="help") if nothing else None
        await inline.answer(inline_quotes(reply), cache_time=INLINE_CACHE, next_offset=more, button=hint)

    # Errors

    async def on_error(self, update: object, context: Context) -> None:
        """The edge for errors: blocked → unsubscribe, moved → follow, flood → log, else apologise."""
        chat = update.effective_chat if isinstance(update, Update) else None
        if await self._settle(context.error, str(chat.id) if chat else None):
            return
        log.error("telegram update failed update=%s", _update_id(update), exc_info=context.error)
        await self._apologise(update)

    async def _settle(self, error: BaseException | None, chat_id: str | None) -> bool:
        """Handle the errors that have a known remedy; False for the rest."""
        if isinstance(error, Forbidden) and chat_id:
            removed = await self.storage.unsubscribe(PLATFORM, chat_id)
            log.info("telegram chat gone chat=%s unsubscribed=%d reason=%s", chat_id, removed, error.message)
        elif isinstance(error, ChatMigrated) and chat_id:
            await self._move(chat_id, str(error.new_chat_id))
        elif isinstance(error, RetryAfter):
            log.warning("telegram flood wait outlasted the retries: %s", error.message)
        else:
            return False
        return True

    async def _apologise(self, update: object) -> None:
        """Tell the person something went wrong, rather than leave them waiting."""
        if not isinstance(update, Update):
            return
        try:
            if update.callback_query:
                await update.callback_query.answer(APOLOGY)
            elif update.effective_message and update.effective_chat:
                await update.effective_message.reply_text(APOLOGY)
        except TelegramError as error:
            log.warning("telegram apology not delivered: %s", error.message)


async def _download(file_id: str, context: Context) -> bytes:
    """A file's bytes, through the Bot API's getFile and its file URL (a self-hosted server's, if set)."""
    file = await context.bot.get_file(file_id)
    return bytes(await file.download_as_bytearray())


def sender_key(update: Update) -> str:
    """Whom flood control counts a request against: the person, or the chat when someone speaks as a group
    or channel (Telegram sends all of those from one shared user, so counting it would mix up every group)."""
    message = update.message or update.channel_post
    if message and message.sender_chat:
        return f"chat:{message.sender_chat.id}"
    if update.effective_user:
        return f"user:{update.effective_user.id}"
    return f"chat:{update.effective_chat.id}" if update.effective_chat else "unknown"


def asker_of(message: Message) -> int | None:
    """Whose reply the page buttons belong to: the person's id; for someone speaking as a group or channel,
    that chat's (negative) id; None for a channel post, which gets no buttons."""
    if message.from_user is None:
        return None
    return message.sender_chat.id if message.sender_chat else message.from_user.id


def _nothing(reply: QuoteReply) -> str:
    """The inline hint button's text when nothing matched (Telegram shows it above the results)."""
    return shorten(reply.message or "Nothing matched", 60)


def _update_id(update: object) -> int | None:
    return update.update_id if isinstance(update, Update) else None
