"""Updates as Telegram sends them, built the way a chat reads: who said what, where."""

from __future__ import annotations

import itertools
import time

from tests.adapters.telegram_bot.fake_bot_api import BOT_USER

ANN = {"id": 1001, "is_bot": False, "first_name": "Ann", "language_code": "en"}
BEN = {"id": 1002, "is_bot": False, "first_name": "Ben"}
PRIVATE = {"id": 1001, "type": "private", "first_name": "Ann"}
BEN_PRIVATE = {"id": 1002, "type": "private", "first_name": "Ben"}
GROUP = {"id": -2001, "type": "group", "title": "Listeners"}
SUPERGROUP = {"id": -1009998887, "type": "supergroup", "title": "Listeners"}  # GROUP, once upgraded
FORUM = {"id": -1002002, "type": "supergroup", "title": "Listeners' forum", "is_forum": True}
CHANNEL = {"id": -1003003, "type": "channel", "title": "Episode news"}

_message_ids = itertools.count(1)


def message(text: str | None = None, chat: dict = PRIVATE, user: dict | None = ANN, **extra: object) -> dict:
    """A message as it arrives; text starting with / carries the bot_command entity Telegram adds."""
    body: dict = {"message_id": next(_message_ids), "date": int(time.time()), "chat": chat, **extra}
    if user is not None:
        body["from"] = user
    if text is not None:
        body["text"] = text
        if text.startswith("/"):
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return body


def said(text: str, chat: dict = PRIVATE, user: dict | None = ANN, **extra: object) -> dict:
    """An update with a new message."""
    return {"message": message(text, chat, user, **extra)}


def in_topic(text: str, thread_id: int, user: dict = ANN) -> dict:
    """A message in a forum topic of a supergroup."""
    return said(text, FORUM, user, message_thread_id=thread_id, is_topic_message=True)


def posted(text: str, chat: dict = CHANNEL) -> dict:
    """A post in a channel: no sender, the channel speaks for itself."""
    return {"channel_post": message(text, chat, None, sender_chat=chat)}


def edited(text: str, chat: dict = PRIVATE, user: dict = ANN) -> dict:
    """An edit of an earlier message."""
    return {"edited_message": message(text, chat, user, edit_date=int(time.time()))}


def pressed(data: str | None, bot_message: dict, user: dict = ANN) -> dict:
    """A press of an inline button under one of the bot's messages."""
    query = {"id": f"press-{next(_message_ids)}", "from": user, "chat_instance": "i1", "message": bot_message}
    return {"callback_query": query | ({"data": data} if data is not None else {})}


def bot_message(message_id: int, text: str = "quotes", chat: dict = PRIVATE) -> dict:
    """One of the bot's own earlier messages, as a button press refers to it."""
    return {"message_id": message_id, "date": int(time.time()), "chat": chat, "from": BOT_USER, "text": text}


def inline(query: str, offset: str = "", user: dict = ANN) -> dict:
    """Someone typing `@bot query` in any chat."""
    query_id = f"inline-{next(_message_ids)}"
    return {"inline_query": {"id": query_id, "from": user, "query": query, "offset": offset}}


def sent_file(
    file_id: str, name: str | None, size: int | None, chat: dict = PRIVATE, user: dict = ANN, caption: str | None = None
) -> dict:
    """Someone sending a file (a document) to the bot; Telegram gives its name and size, the bytes come by getFile."""
    document: dict = {"file_id": file_id, "file_unique_id": f"u-{file_id}", "mime_type": "text/plain"}
    document |= {"file_name": name} if name is not None else {}
    document |= {"file_size": size} if size is not None else {}
    extra = {"caption": caption} if caption else {}
    return {"message": message(None, chat, user, document=document, **extra)}
