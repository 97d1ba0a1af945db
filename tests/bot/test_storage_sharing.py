"""One connection shared by concurrent tasks (commands, the watcher's ingests, the dispatcher's sends):
a transaction is never committed half-way by another task's write, nor left open by it."""

import asyncio

import pytest

from bot.storage import Storage


async def _subscribe(storage: Storage) -> bool:
    return await storage.subscribe("telegram", "42") and bool(await storage.subscriptions("telegram"))


async def _save_search(storage: Storage) -> bool:
    search_id = await storage.save_search("discord", "7", "storm shadow")
    return (await storage.saved_search(search_id)).query == "storm shadow"


@pytest.mark.parametrize("another_write", [_subscribe, _save_search])
async def test_a_write_from_another_task_waits_for_an_open_transaction_to_finish(tmp_path, another_write):
    storage = await Storage.open(tmp_path / "db.sqlite")
    inside = asyncio.Event()

    async def failing_transaction():
        async with storage.transaction() as db:
            await db.execute("INSERT INTO state (key, value) VALUES ('half', 'way')")
            inside.set()
            await asyncio.sleep(0)  # the other task runs now, while this transaction is open
            raise RuntimeError("the second half failed")

    async def write():
        await inside.wait()
        return await another_write(storage)

    results = await asyncio.gather(failing_transaction(), write(), return_exceptions=True)
    assert isinstance(results[0], RuntimeError) and results[1] is True
    assert await storage.get_state("half") is None  # rolled back whole, not committed by the other write
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
