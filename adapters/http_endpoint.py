"""The optional HTTP endpoint: /healthz (each service's state) and /metrics (Prometheus text)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping

from aiohttp import web

from bot.metrics import Metrics

log = logging.getLogger(__name__)

# name -> (healthy, what to say about it)
HealthProbe = Callable[[], Mapping[str, tuple[bool, str]]]


class HttpEndpoint:
    """A small aiohttp server, started and stopped like the other services."""

    name = "http"

    def __init__(self, host: str, port: int, metrics: Metrics, health: HealthProbe) -> None:
        self.host, self.port = host, port
        self._metrics, self._health = metrics, health
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen on the configured address (port 0 picks a free one; `self.port` tells which)."""
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics_page)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]  # the real port when 0 was asked for
        log.info("http endpoint listening host=%s port=%d", self.host, self.port)

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()

    def healthy(self) -> bool:
        """The endpoint itself is up once started."""
        return self._runner is not None

    async def _healthz(self, request: web.Request) -> web.Response:
        states = self._health()
        body = {name: {"ok": ok, "state": state} for name, (ok, state) in states.items()}
        status = 200 if all(ok for ok, _ in states.values()) else 503
        return web.Response(text=json.dumps(body, indent=1), status=status, content_type="application/json")

    async def _metrics_page(self, request: web.Request) -> web.Response:
        return web.Response(text=self._metrics.render(), content_type="text/plain", charset="utf-8",
                            headers={"X-Content-Type-Options": "nosniff"})
