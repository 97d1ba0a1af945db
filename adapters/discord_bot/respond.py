"""Answering interactions within Discord's 3 seconds: answer at once if the work is quick, else defer first.

Discord drops an interaction that isn't acknowledged within 3 s (the person sees "The application did
not respond"), and an expired one can't be answered at all (error 10062). So the work runs as a task;
if it hasn't finished after `defer_after` seconds, the interaction is deferred and the answer follows
as an edit of the deferred response. Errors become a short apology; so does an answer Discord refuses
(logged too), unless there is nobody left to tell.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

import discord

from adapters.discord_bot.render import NO_MENTIONS, Answer, refusal

log = logging.getLogger(__name__)

DEFER_AFTER = 2.0
APOLOGY = "Sorry, something went wrong on my side. Please try again in a moment."
# Discord's JSON error codes (https://discord.com/developers/docs/topics/opcodes-and-status-codes).
UNKNOWN_MESSAGE = 10008
UNKNOWN_INTERACTION = 10062
ALREADY_ACKNOWLEDGED = 40060
# Refusals after which an apology can't reach anyone: the interaction expired, its message is gone,
# or it was answered already.
NO_ONE_TO_TELL = {UNKNOWN_INTERACTION, UNKNOWN_MESSAGE, ALREADY_ACKNOWLEDGED}


async def respond(
    interaction: discord.Interaction,
    work: Awaitable[Answer],
    *,
    defer_after: float = DEFER_AFTER,
    ephemeral: bool = False,
    update: bool = False,
) -> None:
    """Answer with the work's Answer, deferring (as `ephemeral`, or as an update) if the work is slow."""
    task = asyncio.ensure_future(_answer_or_apology(work))
    try:
        done, _ = await asyncio.wait({task}, timeout=defer_after)
        if not done:
            await interaction.response.defer(ephemeral=ephemeral, thinking=not update)
        await deliver(interaction, await task, update=update, deferred_ephemeral=ephemeral)
    except discord.HTTPException as error:
        task.cancel()
        await refused(interaction, error)


async def answer_now(interaction: discord.Interaction, answer: Answer) -> None:
    """Send a quick answer (a refusal, say) as the response; if Discord refuses it, log why and apologise."""
    try:
        await deliver(interaction, answer)
    except discord.HTTPException as error:
        await refused(interaction, error)


async def refused(interaction: discord.Interaction, error: discord.HTTPException) -> None:
    """Discord refused our answer: log why, and apologise to the asker, so that it isn't silence
    ("The application did not respond", or "thinking…" for ever)."""
    log_refusal(interaction, error)
    if error.code not in NO_ONE_TO_TELL:
        await apologise(interaction)


async def apologise(interaction: discord.Interaction) -> None:
    """A short apology only the asker sees: as the response if there is none yet, else as a follow-up."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(APOLOGY, ephemeral=True)
        else:
            await interaction.response.send_message(APOLOGY, ephemeral=True)
    except discord.HTTPException as error:  # one try only: logged, and that is all we can do
        log.warning("the apology was refused too what=%s status=%s code=%s", _name(interaction), error.status, error.code)


async def suggest(interaction: discord.Interaction, choices: list[discord.app_commands.Choice[str]]) -> None:
    """Answer an autocomplete with these choices; if Discord refuses (most often: it expired), log one line."""
    try:
        await interaction.response.autocomplete(choices)
    except discord.HTTPException as error:
        log_refusal(interaction, error)
        # discord.py answers an autocomplete itself unless it was answered, so it would try again and log
        # the second refusal as an error with its traceback (app_commands Command._invoke_autocomplete).
        # Nothing can be shown for it any more: count it as answered.
        interaction.response._response_type = discord.InteractionResponseType.autocomplete_result


async def _answer_or_apology(work: Awaitable[Answer]) -> Answer:
    """The work's Answer; if it fails, the failure is logged and the asker gets an apology."""
    try:
        return await work
    except Exception:
        log.exception("a Discord interaction failed")
        return refusal(APOLOGY)


async def deliver(
    interaction: discord.Interaction, answer: Answer, *, update: bool = False, deferred_ephemeral: bool = False
) -> None:
    """Send the answer as the interaction's response (for a button, in place of its message unless an aside)."""
    if not interaction.response.is_done():
        if update and not answer.aside:
            await interaction.response.edit_message(**_edit(answer))
        else:
            await interaction.response.send_message(**_send(answer), ephemeral=answer.ephemeral)
    elif update:
        await _after_deferred_update(interaction, answer)
    elif answer.ephemeral == deferred_ephemeral:
        await interaction.edit_original_response(**_edit(answer))
    else:
        # A deferred response can't change who sees it: replace it by a follow-up that can.
        await interaction.delete_original_response()
        await interaction.followup.send(**_send(answer), ephemeral=answer.ephemeral)


async def _after_deferred_update(interaction: discord.Interaction, answer: Answer) -> None:
    if answer.aside:
        await interaction.followup.send(**_send(answer), ephemeral=True)
    else:
        await interaction.edit_original_response(**_edit(answer))


def _send(answer: Answer) -> dict[str, Any]:
    sent: dict[str, Any] = {"content": answer.content, "embeds": list(answer.embeds), "allowed_mentions": NO_MENTIONS}
    if answer.view is not None:
        sent["view"] = answer.view
    return sent


def _edit(answer: Answer) -> dict[str, Any]:
    """An edit replaces everything: no content, embeds or buttons stay from before."""
    return {"content": answer.content, "embeds": list(answer.embeds), "view": answer.view, "allowed_mentions": NO_MENTIONS}


def log_refusal(interaction: discord.Interaction, error: discord.HTTPException) -> None:
    """Log why Discord refused an answer: most often, the interaction expired before it came."""
    what = _name(interaction)
    if error.code == UNKNOWN_INTERACTION:
        log.warning("interaction expired before it was answered (10062) what=%s", what)
    elif error.code == UNKNOWN_MESSAGE:
        log.warning("the message to answer or edit is gone (10008) what=%s", what)
    elif error.code == ALREADY_ACKNOWLEDGED:
        log.warning("interaction was already answered (40060) what=%s", what)
    else:
        log.error("Discord refused an answer what=%s status=%s code=%s: %s", what, error.status, error.code, error.text)


def _name(interaction: discord.Interaction) -> str:
    if interaction.command is not None:
        return f"/{interaction.command.qualified_name}"
    data = interaction.data or {}
    return str(data.get("custom_id") or interaction.type.name)
