"""The one process: services start independently, report their health, and stop on a signal."""

import asyncio
import os
import signal

from adapters.run import Supervisor
from bot.config import ConfigError


class FakeService:
    """A service that records its life, and can fail to start."""

    def __init__(self, name: str, fails: Exception | None = None) -> None:
        self.name = name
        self.fails = fails
        self.events: list[str] = []

    async def start(self) -> None:
        self.events.append("start")
        if self.fails:
            raise self.fails

    async def stop(self) -> None:
        self.events.append("stop")


async def _run_and_stop(supervisor: Supervisor) -> int:
    task = asyncio.create_task(supervisor.run_until_stopped())
    for _ in range(100):
        await asyncio.sleep(0)
        if all(state != "not started" for _, state in supervisor.health().values()):
            break
    health = supervisor.health()
    supervisor.stop()
    code = await asyncio.wait_for(task, 5)
    supervisor.seen_health = health
    return code


async def test_one_failing_adapter_does_not_take_the_others_down():
    good, bad, other = FakeService("discord"), FakeService("telegram", ConfigError("TELEGRAM_TOKEN: rejected")), FakeService("watcher")
    supervisor = Supervisor([bad, good, other])
    assert await _run_and_stop(supervisor) == 0
    assert supervisor.seen_health["telegram"] == (False, "failed to start: TELEGRAM_TOKEN: rejected")
    assert supervisor.seen_health["discord"] == (True, "running")
    assert good.events == ["start", "stop"] and other.events == ["start", "stop"]
    assert bad.events == ["start"], "a service that never started is not stopped"


async def test_strict_start_up_stops_everything_at_the_first_failure():
    first, bad, never = FakeService("discord"), FakeService("telegram", RuntimeError("boom")), FakeService("watcher")
    supervisor = Supervisor([first, bad, never], strict=True)
    assert await asyncio.wait_for(supervisor.run_until_stopped(), 5) == 1
    assert first.events == ["start", "stop"] and never.events == []
    assert supervisor.health()["telegram"] == (False, "failed to start: RuntimeError: boom")


async def test_nothing_able_to_start_is_a_failure():
    supervisor = Supervisor([FakeService("telegram", ConfigError("x"))])
    assert await asyncio.wait_for(supervisor.run_until_stopped(), 5) == 1


async def test_sigterm_stops_every_service():
    services = [FakeService("a"), FakeService("b")]
    supervisor = Supervisor(services)
    task = asyncio.create_task(supervisor.run_until_stopped())
    while supervisor.health()["b"][1] != "running":
        await asyncio.sleep(0)
    os.kill(os.getpid(), signal.SIGTERM)
    assert await asyncio.wait_for(task, 5) == 0
    assert [s.events for s in services] == [["start", "stop"], ["start", "stop"]]
    assert supervisor.health() == {"a": (False, "stopped"), "b": (False, "stopped")}


class HangingService(FakeService):
    """A service whose start never ends: a chat platform that accepts the connection and never answers."""

    async def start(self) -> None:
        self.events.append("start")
        await asyncio.Event().wait()


async def test_a_stop_during_a_start_that_hangs_is_not_kept_waiting():
    first, hanging, never = FakeService("watcher"), HangingService("discord"), FakeService("dispatcher")
    supervisor = Supervisor([first, hanging, never])
    task = asyncio.create_task(supervisor.run_until_stopped())
    while hanging.events != ["start"]:
        await asyncio.sleep(0)
    supervisor.stop()
    assert await asyncio.wait_for(task, 5) == 0
    assert hanging.events == ["start", "stop"]  # given the chance to release what it took
    assert first.events == ["start", "stop"] and never.events == []
    assert supervisor.health()["discord"] == (False, "start-up interrupted")


class LiveService(FakeService):
    """A running service that knows how it is doing."""

    state = (True, "running")

    def health(self) -> tuple[bool, str]:
        return self.state


async def test_health_is_what_a_running_service_says_now():
    live = LiveService("telegram")
    supervisor = Supervisor([live])
    task = asyncio.create_task(supervisor.run_until_stopped())
    while supervisor.health()["telegram"][1] == "not started":
        await asyncio.sleep(0)
    live.state = (False, "cannot reach Telegram: TimedOut")
    assert supervisor.health()["telegram"] == (False, "cannot reach Telegram: TimedOut")
    supervisor.stop()
    await asyncio.wait_for(task, 5)
    assert supervisor.health()["telegram"] == (False, "stopped")
