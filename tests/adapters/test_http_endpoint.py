"""The HTTP endpoint on 127.0.0.1: health per service, Prometheus metrics."""

import aiohttp
import pytest

from adapters.http_endpoint import HttpEndpoint
from bot.metrics import Metrics


@pytest.fixture
async def endpoint():
    states = {"telegram": (True, "polling"), "watcher": (True, "idle")}
    metrics = Metrics()
    server = HttpEndpoint("127.0.0.1", 0, metrics, lambda: states)
    await server.start()
    yield server, states, metrics
    await server.stop()


async def _get(server, path):
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{server.port}{path}") as response:
            return response.status, await response.text()


async def test_healthz_is_200_when_everything_is_up_and_503_when_not(endpoint):
    server, states, _ = endpoint
    status, body = await _get(server, "/healthz")
    assert status == 200 and '"polling"' in body
    states["telegram"] = (False, "stopped: Unauthorized")
    status, body = await _get(server, "/healthz")
    assert status == 503 and "Unauthorized" in body


async def test_metrics_are_served_as_prometheus_text(endpoint):
    server, _, metrics = endpoint
    metrics.quotes.inc(platform="telegram")
    status, body = await _get(server, "/metrics")
    assert status == 200
    assert 'podquote_quotes_total{platform="telegram"} 1' in body
