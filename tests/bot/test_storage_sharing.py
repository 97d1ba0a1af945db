"""One connection shared by concurrent tasks (commands, the watcher's ingests, the dispatcher's sends):
a transaction is never committed half-way by another task's write, nor left open by it."""

import asyncio

import pytest

from bot.storage import Storage


async def test_a_write_from_another_task_waits_for_an_open_transaction_to_finish(tmp_path):
    storage = await Storage.open(tmp_path / "db.sqlite")
    inside = asyncio.Event()

    async def failing_transaction():
        async with storage.transaction() as db:
            await db.execute("INSERT INTO state (key, value) VALUES ('half', 'way')")
            inside.set()
            await asyncio.sleep(0)  # the other task runs now, while this transaction is open
            raise RuntimeError("the second half failed")

    async def subscribe():
        await inside.wait()
        return await storage.subscribe("telegram", "42")

    results = await asyncio.gather(failing_transaction(), subscribe(), return_exceptions=True)
    assert isinstance(results[0], RuntimeError) and results[1] is True
    assert await storage.get_state("half") is None  # rolled back whole, not committed by the subscribe
    assert [s.chat_id for s in await storage.subscriptions("telegram")] == ["42"]
    assert not storage.db.in_transaction
    await storage.close()


async def test_a_transaction_inside_a_transaction_of_the_same_task_is_part_of_it(tmp_path):
    storage = await Storage.open(tmp_path / "db.sqlite")
    with pytest.raises(RuntimeError):
        async with storage.transaction():
            await storage.set_state("a", "1")
            raise RuntimeError("undo it all")
    assert await storage.get_state("a") is None
    await storage.close()
