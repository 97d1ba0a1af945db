"""A stand-in Telegram Bot API on 127.0.0.1: serves queued updates, records every call, fails on request."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

TOKEN = "123456:TEST-token"
BOT_USER = {
    "id": 123456, "is_bot": True, "first_name": "PodQuote", "username": "PodQuoteBot",
    "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": True,
}
ADMIN_RIGHTS = dict.fromkeys(
    ("can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
     "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories", "can_delete_stories"),
    True,
) | {"can_be_edited": False, "is_anonymous": False, "can_promote_members": False}
WAIT_LIMIT = 5.0


# The Bot API's own error bodies, as Telegram sends them.

def blocked() -> tuple[int, dict]:
    """403: the person blocked the bot."""
    return 403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}


def flood_wait(seconds: int) -> tuple[int, dict]:
    """429: too many requests, retry after some seconds."""
    body = {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {seconds}"}
    return 429, body | {"parameters": {"retry_after": seconds}}


def migrated(new_chat_id: int) -> tuple[int, dict]:
    """400: the group became a supergroup with a new id."""
    description = "Bad Request: group chat was upgraded to a supergroup chat"
    body = {"ok": False, "error_code": 400, "description": description}
    return 400, body | {"parameters": {"migrate_to_chat_id": new_chat_id}}


def not_modified() -> tuple[int, dict]:
    """400: an edit that changes nothing."""
    description = (
        "Bad Request: message is not modified: specified new message content and reply markup are"
        " exactly the same as a current content and reply markup of the message"
    )
    return 400, {"ok": False, "error_code": 400, "description": description}


def bad_request(description: str) -> tuple[int, dict]:
    """400 with any description."""
    return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {description}"}


def not_json() -> tuple[int, str]:
    """200 with a page that isn't the Bot API's: a captive portal's or a misconfigured proxy's."""
    return 200, "<html><body>Please sign in to use this network.</body></html>"


@dataclass
class Call:
    """One request the bot made: the method and its parameters (JSON values decoded)."""

    method: str
    params: dict
    result: object = None

    def __getitem__(self, name: str) -> object:
        return self.params[name]

    def get(self, name: str, default: object = None) -> object:
        """A parameter, or the default when the bot didn't send it."""
        return self.params.get(name, default)


@dataclass
class Failure:
    """An error to answer the next `times` calls of a method with (those `when` accepts)."""

    method: str
    status: int
    body: dict | str  # a str is sent as it is, not as JSON
    times: int = 1
    when: Callable[[dict], bool] = field(default=lambda params: True)


class FakeBotApi:
    """The Bot API methods the bot uses, over aiohttp; tests queue updates and read `calls`."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.updates: list[dict] = []
        self.failures: list[Failure] = []
        self.members: dict[tuple[int, int], str] = {}
        self.messages: dict[tuple[int, int], dict] = {}  # the bot's, as they stand: (chat, message id) -> message
        self.files: dict[str, bytes] = {}
        self.downloads: list[str] = []
        self.polls = 0
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(5000)
        self._changed = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.port = 0

    # Life cycle

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    @property
    def base_url(self) -> str:
        """What the bot is given as its base_url (python-telegram-bot appends the token)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_url(self) -> str:
        """What the bot is given as its base_file_url."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    def release_polls(self) -> None:
        """Answer pending and future long polls at once (at shutdown), so nothing waits out its timeout."""
        self._closing = True
        self._poke()

    async def close(self) -> None:
        """Release the polls and stop the server."""
        self.release_polls()
        if self._runner:
            await self._runner.cleanup()

    # What tests do

    def queue(self, update: dict) -> int:
        """Add an update for the bot to fetch; its update_id."""
        update_id = next(self._update_ids)
        self.updates.append({"update_id": update_id, **update})
        self._poke()
        return update_id

    def fail(
        self, method: str, error: tuple[int, dict | str], times: int = 1, when: Callable[[dict], bool] | None = None
    ) -> None:
        """Answer the next `times` calls of `method` (those `when` accepts) with an error."""
        status, body = error
        self.failures.append(Failure(method, status, body, times, when or (lambda params: True)))

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """What getChatMember answers for this person in this chat ("member" unless set)."""
        self.members[(chat_id, user_id)] = status

    def add_file(self, data: bytes) -> str:
        """A file someone sent, for getFile to describe and the file URL to serve; its file_id."""
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = data
        return file_id

    def message_of(self, call: Call) -> dict:
        """The message a sendMessage or editMessageText call made, as it stands now, with its buttons:
        what Telegram sends along with a press of one of them."""
        return self.messages[(int(call["chat_id"]), int(call.result["message_id"]))]

    def calls_of(self, method: str) -> list[Call]:
        """The recorded calls of one method, in order."""
        return [call for call in self.calls if call.method == method]

    async def wait_for(self, ready: Callable[[], object], timeout: float = WAIT_LIMIT) -> object:
        """Wait until `ready()` is truthy (checked whenever the fake sees something happen); its value."""
        deadline = time.monotonic() + timeout
        while True:
            changed = self._changed
            value = ready()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting; calls so far: {[c.method for c in self.calls]}")
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                pass

    async def wait_for_call(self, method: str, when: Callable[[Call], bool] = lambda call: True) -> Call:
        """The first recorded call of a method that `when` accepts, waiting for it if need be."""
        found = await self.wait_for(lambda: next((c for c in self.calls_of(method) if when(c)), None))
        return found  # type: ignore[return-value]

    def poke(self) -> None:
        """Wake whoever waits: something they may be waiting for has happened."""
        self._poke()

    # The server

    def _poke(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            unauthorized = {"ok": False, "error_code": 401, "description": "Unauthorized"}
            return web.json_response(unauthorized, status=401)
        method = request.match_info["method"]
        params = _decode(dict(await request.post()))
        failure = self._failure_for(method, params)
        if method == "getUpdates":
            self.polls += bool(failure)
            return _failed(failure) if failure else _ok(await self._get_updates(params))
        call = Call(method, params)
        if not failure:
            call.result = self._result(method, params)
        self.calls.append(call)
        self._poke()
        return _failed(failure) if failure else _ok(call.result)

    async def _get_updates(self, params: dict) -> list[dict]:
        """Long polling: the updates from `offset` on, waiting up to `timeout` seconds for one to come."""
        self.polls += 1
        self._poke()
        offset = int(params.get("offset") or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while not self.updates and not self._closing and time.monotonic() < deadline:
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), deadline - time.monotonic())
            except TimeoutError:
                break
        return list(self.updates)

    def _failure_for(self, method: str, params: dict) -> Failure | None:
        for failure in self.failures:
            if failure.method == method and failure.times > 0 and failure.when(params):
                failure.times -= 1
                return failure
        return None

    def _result(self, method: str, params: dict) -> object:
        if method == "getMe":
            return BOT_USER
        if method in ("sendMessage", "editMessageText"):
            return self._message(params)
        if method == "getChatMember":
            return self._member(int(params["chat_id"]), int(params["user_id"]))
        if method == "getFile":
            return self._file(params["file_id"])
        return True

    def _file(self, file_id: str) -> dict:
        """getFile: where the file can be downloaded, relative to the file URL (as Telegram answers)."""
        size = len(self.files[file_id])
        return {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_size": size, "file_path": f"documents/{file_id}"}

    async def _download(self, request: web.Request) -> web.Response:
        """GET {file URL}{token}/{file_path}: the file's bytes."""
        if request.match_info["token"] != TOKEN:
            return web.Response(status=401)
        file_id = request.match_info["path"].removeprefix("documents/")
        self.downloads.append(file_id)
        self._poke()
        if file_id not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id], content_type="application/octet-stream")

    def _message(self, params: dict) -> dict:
        chat_id = int(params["chat_id"])
        kind = "private" if chat_id > 0 else "supergroup"
        chat = {"id": chat_id, "type": kind, "first_name": "Someone", "title": "Chat"}
        message_id = int(params.get("message_id") or next(self._message_ids))
        now = int(time.time())
        message = {"message_id": message_id, "date": now, "chat": chat, "from": BOT_USER, "text": params["text"]}
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        self.messages[(chat_id, message_id)] = message
        return message

    def _member(self, chat_id: int, user_id: int) -> dict:
        status = self.members.get((chat_id, user_id), "member")
        user = {"id": user_id, "is_bot": False, "first_name": "Someone"}
        extra = {"administrator": ADMIN_RIGHTS, "creator": {"is_anonymous": False}}.get(status, {})
        return {"status": status, "user": user, **extra}


def _ok(result: object) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _failed(failure: Failure) -> web.Response:
    if isinstance(failure.body, str):
        return web.Response(text=failure.body, status=failure.status, content_type="text/html")
    return web.json_response(failure.body, status=failure.status)


def _decode(form: dict) -> dict:
    """python-telegram-bot sends form fields; objects and lists among them are JSON."""
    return {key: _json_or_text(value) for key, value in form.items()}


def _json_or_text(value: str) -> object:
    if value[:1] not in ("[", "{"):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value
