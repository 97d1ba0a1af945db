"""A stand-in for Discord on 127.0.0.1: its REST API and its gateway, recording everything the bot sends.

The real discord.py client talks to it as it would to Discord: GET /gateway/bot, a websocket with
HELLO → IDENTIFY → READY, heartbeats and their ACKs, RESUME after a RECONNECT; interactions are
dispatched as INTERACTION_CREATE and answered through the callback and webhook endpoints. Tests
assert on the JSON the bot sent (`calls`), and can make the next matching request fail.

What Discord's real answers look like, discord.py needs in detail: `Content-Type: application/json`
exactly (else it reads the body as text), an interaction callback answers `?with_response=1` with
the callback response body, and a 429 is retried only with a `Via` header (without one it takes
Cloudflare's ban). A READY or INTERACTION_CREATE missing a field discord.py reads kills its
connection task, so the payloads below carry every field it reads.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import WSMsgType, web

T = TypeVar("T")

TOKEN = "MTAxNTU1.fake-bot-token.never-logged-SECRET"
APPLICATION_ID = 901000000000000001
GUILD_ID = 801000000000000001
CHANNEL_ID = 701000000000000001
OTHER_CHANNEL_ID = 701000000000000002
SYSTEM_CHANNEL_ID = 701000000000000009
API_PREFIX = "/api/v10"
JSON = "application/json"
EPHEMERAL = 1 << 6
MANAGE_GUILD = 1 << 5
MEMBER_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 31)  # view, send, embed links, use commands
ADMIN_PERMISSIONS = MEMBER_PERMISSIONS | MANAGE_GUILD
TIMEOUT = 10.0


def user(user_id: int, name: str, bot: bool = False) -> dict[str, Any]:
    """A user object as Discord sends it."""
    return {
        "id": str(user_id), "username": name, "global_name": name, "discriminator": "0",
        "avatar": None, "bot": bot, "public_flags": 0,
    }


BOT_USER = user(APPLICATION_ID, "podquote", bot=True)
ALICE = user(601000000000000001, "alice")
BOB = user(601000000000000002, "bob")


@dataclass
class Call:
    """One request the bot made of the REST API."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    headers: dict[str, str]


@dataclass
class Failure:
    """An error answer to give instead of the normal one, to the next requests that match."""

    method: str
    path: re.Pattern[str]
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    times: int


@dataclass
class Sent:
    """An interaction the fake dispatched: its id and token name its callback and webhook paths."""

    id: int
    token: str
    payload: dict[str, Any]

    @property
    def callback_path(self) -> str:
        """Where the bot answers it."""
        return f"/interactions/{self.id}/{self.token}/callback"

    @property
    def webhook_path(self) -> str:
        """Where the bot follows it up or edits its answer."""
        return f"/webhooks/{APPLICATION_ID}/{self.token}"


@dataclass
class Connection:
    """One gateway websocket connection and the frames the bot sent on it."""

    socket: web.WebSocketResponse
    frames: list[dict[str, Any]] = field(default_factory=list)
    ready: bool = False


class FakeDiscord:
    """Discord's REST API and gateway, on a random port of 127.0.0.1."""

    def __init__(self, heartbeat_ms: int = 41_250) -> None:
        self.heartbeat_ms = heartbeat_ms
        self.calls: list[Call] = []
        self.connections: list[Connection] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.commands: dict[int | None, dict[str, dict[str, Any]]] = {}
        self.failures: list[Failure] = []
        # Files people attached, served as Discord's CDN would serve them; and each download's headers.
        self.attachments: dict[int, bytes] = {}
        self.downloads: list[dict[str, str]] = []
        self.session_id = "fake-session-1"
        self.sequence = 0
        self._ids = itertools.count(1_000_000_000_000_000_001)
        self._originals: dict[str, int] = {}
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._log_watch: _Wake | None = None
        self.port = 0

    # Running

    async def start(self) -> None:
        """Listen on 127.0.0.1, on a port the system picks."""
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API_PREFIX + "/{path:.*}", self._rest)
        app.router.add_get("/attachments/{channel}/{id}/{filename}", self._attachment)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        # What the bot logs can be waited for too (caplog records it; this only wakes the waiters).
        self._log_watch = _Wake(asyncio.get_running_loop(), self._changed)
        logging.getLogger().addHandler(self._log_watch)

    async def close(self) -> None:
        """Close every connection and stop listening."""
        if self._log_watch is not None:
            logging.getLogger().removeHandler(self._log_watch)
        for connection in self.connections:
            await connection.socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        """The REST base the bot is pointed at."""
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """The websocket URL that GET /gateway/bot answers."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    def _record(self) -> None:
        self._changed.set()

    # Waiting for what the bot does (no fixed sleeps: each wait ends as soon as it can)

    async def until(self, find: Callable[[], T | None], what: str, timeout: float = TIMEOUT) -> T:
        """Wait until `find()` returns something, woken by each request, frame or log record of the bot."""
        try:
            async with asyncio.timeout(timeout):
                while (found := find()) is None:
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            seen = "\n".join(f"  {c.method} {c.path}" for c in self.calls)
            raise AssertionError(f"timed out waiting for {what}; the bot made these calls:\n{seen}") from None
        return found

    async def call(self, method: str, path: str, after: int = 0) -> Call:
        """The first call (from index `after`) with this method whose path matches the pattern."""
        pattern = re.compile(path)

        def find() -> Call | None:
            return next((c for c in self.calls[after:] if c.method == method and pattern.fullmatch(c.path)), None)

        return await self.until(find, f"{method} {path}")

    async def answer_to(self, sent: Sent, after: int = 0) -> Call:
        """The bot's callback answer to an interaction."""
        return await self.call("POST", re.escape(sent.callback_path), after)

    async def frame(self, op: int, connection: int = -1) -> dict[str, Any]:
        """The first frame with this op the bot sent on a connection (the newest by default)."""

        def find() -> dict[str, Any] | None:
            if not -len(self.connections) <= connection < len(self.connections):
                return None
            return next((f for f in self.connections[connection].frames if f.get("op") == op), None)

        return await self.until(find, f"gateway op {op}")

    async def ready(self) -> Connection:
        """The newest connection, once READY (or RESUMED) has been sent on it."""

        def find() -> Connection | None:
            newest = self.connections[-1] if self.connections else None
            return newest if newest and newest.ready and not newest.socket.closed else None

        return await self.until(find, "a ready gateway connection")

    def original(self, sent: Sent) -> dict[str, Any]:
        """The message the bot's answer to an interaction created (or, for a click, changed)."""
        return self.messages[self._originals[sent.token]]

    # Making requests fail

    def fail(
        self, method: str, path: str, status: int, body: dict[str, Any], headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` requests that match with this error."""
        self.failures.append(Failure(method, re.compile(path), status, body, headers or {}, times))

    def _failure_for(self, method: str, path: str) -> Failure | None:
        for failure in self.failures:
            if failure.times > 0 and failure.method == method and failure.path.fullmatch(path):
                failure.times -= 1
                return failure
        return None

    # The gateway

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        connection = Connection(socket)
        self.connections.append(connection)
        self._record()
        await self._send(socket, {"op": 10, "d": {"heartbeat_interval": self.heartbeat_ms}})
        async for message in socket:
            if message.type is WSMsgType.TEXT:
                await self._on_frame(connection, json.loads(message.data))
        self._record()
        return socket

    async def _on_frame(self, connection: Connection, frame: dict[str, Any]) -> None:
        connection.frames.append(frame)
        op = frame.get("op")
        if op == 1:
            await self._send(connection.socket, {"op": 11})
        elif op == 2:
            await self._dispatch_on(connection, "READY", self._ready_payload())
            await self._dispatch_on(connection, "GUILD_CREATE", guild_create())
            connection.ready = True
        elif op == 6 and frame["d"].get("session_id") == self.session_id:
            await self._dispatch_on(connection, "RESUMED", {})
            connection.ready = True
        self._record()

    def _ready_payload(self) -> dict[str, Any]:
        return {
            "v": 10, "user": BOT_USER, "guilds": [{"id": str(GUILD_ID), "unavailable": True}], "session_id": self.session_id,
            "resume_gateway_url": self.gateway_url, "shard": [0, 1],
            "application": {"id": str(APPLICATION_ID), "flags": 0},
        }

    async def _send(self, socket: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        await socket.send_str(json.dumps(frame))

    async def _dispatch_on(self, connection: Connection, event: str, data: dict[str, Any]) -> None:
        self.sequence += 1
        await self._send(connection.socket, {"op": 0, "t": event, "s": self.sequence, "d": data})

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway event on the ready connection."""
        await self._dispatch_on(await self.ready(), event, data)

    async def ask_to_reconnect(self) -> None:
        """Op 7 RECONNECT: the bot closes the connection and resumes the session on a new one."""
        connection = await self.ready()
        await self._send(connection.socket, {"op": 7, "d": None})

    # Interactions, as Discord dispatches them

    async def slash(
        self, name: str, options: dict[str, Any] | None = None, who: dict[str, Any] = ALICE,
        permissions: int = MEMBER_PERMISSIONS, resolved: dict[str, Any] | None = None,
    ) -> Sent:
        """Someone runs a slash command with these options."""
        data = self._command_data(name, options or {})
        if resolved:
            data["resolved"] = resolved
        return await self._interact(2, data, who, permissions)

    async def autocomplete(
        self, name: str, options: dict[str, Any], focused: str, who: dict[str, Any] = ALICE
    ) -> Sent:
        """Someone types into an option that has autocomplete."""
        data = self._command_data(name, options)
        for option in data["options"]:
            option["focused"] = option["name"] == focused
        return await self._interact(4, data, who, MEMBER_PERMISSIONS)

    async def click(self, message: dict[str, Any], custom_id: str, who: dict[str, Any] = ALICE) -> Sent:
        """Someone clicks a button of a message."""
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._interact(3, data, who, MEMBER_PERMISSIONS, message=message)

    def _command_data(self, name: str, options: dict[str, Any]) -> dict[str, Any]:
        scope = GUILD_ID if name in self.commands.get(GUILD_ID, {}) else None
        command = self.commands.get(scope, {}).get(name)
        assert command is not None, f"/{name} was never registered with the fake Discord"
        types = {o["name"]: o["type"] for o in command.get("options", [])}
        data: dict[str, Any] = {
            "id": command["id"], "name": name, "type": 1,
            "options": [{"name": k, "type": types[k], "value": v} for k, v in options.items()],
        }
        if scope is not None:
            data["guild_id"] = str(scope)
        return data

    async def _interact(
        self, kind: int, data: dict[str, Any], who: dict[str, Any], permissions: int,
        message: dict[str, Any] | None = None,
    ) -> Sent:
        number = next(self._ids)
        payload = {
            "id": str(number), "application_id": str(APPLICATION_ID), "type": kind, "data": data,
            "guild_id": str(GUILD_ID), "channel_id": str(CHANNEL_ID), "channel": channel(CHANNEL_ID),
            "member": member(who, permissions), "token": f"interaction-token-{number}", "version": 1,
            "app_permissions": str(MEMBER_PERMISSIONS), "locale": "en-US", "guild_locale": "en-US",
            "entitlements": [], "authorizing_integration_owners": {"0": str(GUILD_ID)}, "context": 0,
            "attachment_size_limit": 10_485_760,
        }
        if message is not None:
            payload["message"] = message
            # A component's "original response" is the message it is on: edits of it change that one.
            self._originals[payload["token"]] = int(message["id"])
        sent = Sent(number, payload["token"], payload)
        await self.dispatch("INTERACTION_CREATE", payload)
        return sent

    # Attachments: an option's value is the attachment's id; the file is in `resolved`, at a CDN URL.

    def attach(self, data: bytes, filename: str, size: int | None = None) -> tuple[str, dict[str, Any]]:
        """A file someone attaches to a command: the option's value, and the `resolved` that describes it."""
        number = next(self._ids)
        self.attachments[number] = data
        url = f"http://127.0.0.1:{self.port}/attachments/{CHANNEL_ID}/{number}/{filename}"
        described = {
            "id": str(number), "filename": filename, "size": len(data) if size is None else size, "url": url,
            "proxy_url": url, "content_type": "text/plain; charset=utf-8", "ephemeral": True,
        }
        return str(number), {"attachments": {str(number): described}}

    async def _attachment(self, request: web.Request) -> web.Response:
        self.downloads.append(dict(request.headers))
        self._record()
        data = self.attachments.get(int(request.match_info["id"]))
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="text/plain")

    # The REST API

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        body = await request.json() if request.can_read_body else None
        self.calls.append(Call(request.method, path, dict(request.query), body, dict(request.headers)))
        self._record()
        failure = self._failure_for(request.method, path)
        if failure is not None:
            return _json(failure.body, failure.status, failure.headers)
        for method, pattern, handler in self._routes():
            match = re.fullmatch(pattern, path)
            if method == request.method and match:
                return await handler(match, body)
        return _json({"message": "404: Not Found", "code": 0}, 404)

    def _routes(self) -> list[tuple[str, str, Callable[..., Any]]]:
        return [
            ("GET", r"/users/@me", self._answer(BOT_USER)),
            ("GET", r"/oauth2/applications/@me", self._answer(application())),
            ("GET", r"/gateway/bot", self._gateway_bot),
            ("PUT", r"/applications/\d+/commands", self._sync),
            ("PUT", r"/applications/\d+/guilds/(?P<guild>\d+)/commands", self._sync),
            ("POST", r"/interactions/(?P<id>\d+)/(?P<token>[^/]+)/callback", self._callback),
            ("PATCH", r"/webhooks/\d+/(?P<token>[^/]+)/messages/@original", self._edit_original),
            ("DELETE", r"/webhooks/\d+/(?P<token>[^/]+)/messages/@original", self._delete_original),
            ("POST", r"/webhooks/\d+/(?P<token>[^/]+)", self._follow_up),
            ("POST", r"/channels/(?P<channel>\d+)/messages", self._channel_message),
            ("GET", r"/channels/(?P<channel>\d+)", self._channel),
            ("GET", r"/guilds/(?P<guild>\d+)", self._guild),
        ]

    def _answer(self, payload: dict[str, Any]) -> Callable[..., Any]:
        async def handler(match: re.Match[str], body: Any) -> web.Response:
            return _json(payload)

        return handler

    async def _gateway_bot(self, match: re.Match[str], body: Any) -> web.Response:
        limits = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return _json({"url": self.gateway_url, "shards": 1, "session_start_limit": limits})

    async def _sync(self, match: re.Match[str], body: list[dict[str, Any]]) -> web.Response:
        guild = int(match["guild"]) if "guild" in match.groupdict() else None
        registered = [
            {**c, "id": str(next(self._ids)), "application_id": str(APPLICATION_ID), "version": "1",
             **({"guild_id": str(guild)} if guild else {})}
            for c in body
        ]
        self.commands[guild] = {c["name"]: c for c in registered}
        return _json(registered)

    async def _callback(self, match: re.Match[str], body: dict[str, Any]) -> web.Response:
        kind, data = body["type"], body.get("data") or {}
        answer: dict[str, Any] = {"interaction": {"id": match["id"], "type": 2}}
        if kind in (4, 5, 7):
            if kind == 7:
                message = self._edited(self.messages[self._originals[match["token"]]], data)
            else:
                message = self._message(CHANNEL_ID, data, flags=data.get("flags", 0), loading=kind == 5)
                self._originals[match["token"]] = int(message["id"])
            answer["interaction"].update(
                response_message_id=message["id"], response_message_loading=kind == 5,
                response_message_ephemeral=bool(message["flags"] & EPHEMERAL),
            )
            answer["resource"] = {"type": kind, "message": message}
        return _json(answer)

    def _edited(self, message: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        for key in ("content", "embeds", "components"):
            if key in data:
                message[key] = data[key] if data[key] is not None else ([] if key != "content" else "")
        return message

    async def _edit_original(self, match: re.Match[str], body: dict[str, Any]) -> web.Response:
        message_id = self._originals.get(match["token"])
        if message_id is None or message_id not in self.messages:
            return _json({"message": "Unknown Message", "code": 10008}, 404)
        return _json(self._edited(self.messages[message_id], body))

    async def _delete_original(self, match: re.Match[str], body: Any) -> web.Response:
        self.messages.pop(self._originals.pop(match["token"], 0), None)
        return web.Response(status=204)

    async def _follow_up(self, match: re.Match[str], body: dict[str, Any]) -> web.Response:
        return _json(self._message(CHANNEL_ID, body, flags=body.get("flags", 0)))

    async def _channel_message(self, match: re.Match[str], body: dict[str, Any]) -> web.Response:
        return _json(self._message(int(match["channel"]), body))

    async def _channel(self, match: re.Match[str], body: Any) -> web.Response:
        return _json({**channel(int(match["channel"])), "guild_id": str(GUILD_ID)})

    async def _guild(self, match: re.Match[str], body: Any) -> web.Response:
        return _json(guild())

    def _message(self, channel_id: int, data: dict[str, Any], flags: int = 0, loading: bool = False) -> dict[str, Any]:
        message = {
            "id": str(next(self._ids)), "channel_id": str(channel_id), "guild_id": str(GUILD_ID),
            "author": BOT_USER, "content": data.get("content") or "", "timestamp": "2025-01-01T00:00:00+00:00",
            "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [],
            "mention_roles": [], "attachments": [], "embeds": data.get("embeds") or [], "pinned": False,
            "type": 20 if loading else 0, "flags": flags | (1 << 7 if loading else 0),
            "components": data.get("components") or [],
        }
        self.messages[int(message["id"])] = message
        return message

class _Wake(logging.Handler):
    """Wakes the fake's waiters at every log record, from whichever thread logs it."""

    def __init__(self, loop: asyncio.AbstractEventLoop, event: asyncio.Event) -> None:
        super().__init__()
        self.loop = loop
        self.event = event

    def emit(self, record: logging.LogRecord) -> None:
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.event.set)


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A message's buttons by label."""
    return {b["label"]: b for row in message.get("components", []) for b in row["components"]}


def _json(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly "application/json": aiohttp's json_response adds "; charset=utf-8", which discord.py reads as text.
    return web.Response(body=json.dumps(payload).encode(), status=status, headers={"Content-Type": JSON, **(headers or {})})


def application() -> dict[str, Any]:
    """GET /oauth2/applications/@me."""
    return {
        "id": str(APPLICATION_ID), "name": "podquote", "description": "", "icon": None, "bot_public": True,
        "bot_require_code_grant": False, "owner": ALICE, "verify_key": "0" * 64, "flags": 0,
    }


def channel(channel_id: int, name: str = "general") -> dict[str, Any]:
    """A guild text channel."""
    return {
        "id": str(channel_id), "type": 0, "guild_id": str(GUILD_ID), "name": name, "position": 0,
        "permission_overwrites": [], "nsfw": False, "parent_id": None, "topic": None, "last_message_id": None,
        "rate_limit_per_user": 0,
    }


def resolved_channel(channel_id: int, name: str = "news") -> dict[str, Any]:
    """A channel option's value as Discord resolves it in an interaction."""
    return {"channels": {str(channel_id): {**channel(channel_id, name), "permissions": str(ADMIN_PERMISSIONS)}}}


def member(who: dict[str, Any], permissions: int) -> dict[str, Any]:
    """The member who interacts, with their permissions in the channel."""
    return {
        "user": who, "roles": [], "joined_at": "2024-01-01T00:00:00+00:00", "deaf": False, "mute": False,
        "flags": 0, "pending": False, "nick": None, "avatar": None, "premium_since": None,
        "communication_disabled_until": None, "permissions": str(permissions),
    }


def guild_create() -> dict[str, Any]:
    """The GUILD_CREATE that follows READY: the server, its channels, the bot as a member."""
    return {
        **guild(), "unavailable": False, "member_count": 3, "large": False, "joined_at": "2024-01-01T00:00:00+00:00",
        "channels": [channel(CHANNEL_ID), channel(OTHER_CHANNEL_ID, "news"), channel(SYSTEM_CHANNEL_ID, "welcome")],
        "members": [member(BOT_USER, MEMBER_PERMISSIONS)], "threads": [], "voice_states": [], "presences": [],
        "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": [],
    }


def guild() -> dict[str, Any]:
    """GET /guilds/{id}: the server, with its system channel."""
    return {
        "id": str(GUILD_ID), "name": "Podcast fans", "icon": None, "owner_id": ALICE["id"], "roles": [],
        "emojis": [], "features": [], "system_channel_id": str(SYSTEM_CHANNEL_ID), "verification_level": 0,
        "default_message_notifications": 0, "explicit_content_filter": 0, "mfa_level": 0, "nsfw_level": 0,
        "premium_tier": 0, "preferred_locale": "en-US", "system_channel_flags": 0, "stickers": [],
    }
