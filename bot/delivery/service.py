"""The one background delivery of a channel process: its dispatcher (bot/delivery/dispatch.py) run as a
task while the channel is up, started again after a failure, and woken or flushed when an update
queues something to send."""

from __future__ import annotations

import asyncio
import logging

from bot.delivery.dispatch import Dispatcher

log = logging.getLogger(__name__)

RESTART_SECONDS, RESTART_MAX_SECONDS = 5.0, 300.0


class DeliveryService:
    """Runs the dispatcher in the background (PTB post_init, Starlette lifespan). If the loop fails (a
    database error …) it is logged and started again after a pause that doubles up to
    RESTART_MAX_SECONDS; copies it had in flight are recovered like after a crash."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self._task: asyncio.Task | None = None
        self._stopped = asyncio.Event()
        self._passing = asyncio.Lock()

    @property
    def running(self) -> bool:
        return self._task is not None

    def start(self) -> None:
        self._stopped.clear()
        self._task = asyncio.get_running_loop().create_task(self._run())
        log.info("delivery: sending for %s", ", ".join(self.dispatcher.senders))

    def wake(self) -> None:
        """Look for work now (a specialist just confirmed a broadcast)."""
        self.dispatcher.wake()

    async def flush(self) -> None:
        """What an update queued for others (every registered kind: ticket notices …) goes now: the
        running loop is woken; without one (a channel not started: tests, one-off commands) one pass of
        the dispatcher sends those copies within the limits and returns."""
        if self.running:
            self.wake()
            return
        async with self._passing:
            if self.dispatcher.kinds:
                await self.dispatcher.run(until_idle=True, kinds=tuple(self.dispatcher.kinds))

    async def _run(self) -> None:
        pause = RESTART_SECONDS
        while not self._stopped.is_set():
            try:
                await self.dispatcher.run()
                return
            except Exception:
                log.exception("delivery: the delivery loop failed; starting again in %.0f s", pause)
                await self._pause(pause)
                pause = min(pause * 2, RESTART_MAX_SECONDS)

    async def _pause(self, seconds: float) -> None:
        """Wait `seconds` (on the dispatcher's sleep), or less if stop() comes first."""
        sleeper = asyncio.ensure_future(self.dispatcher.sleep(seconds))
        stopped = asyncio.ensure_future(self._stopped.wait())
        await asyncio.wait({sleeper, stopped}, return_when=asyncio.FIRST_COMPLETED)
        for waiter in (sleeper, stopped):
            waiter.cancel()

    async def stop(self) -> None:
        """Let the copies in flight finish and be recorded, then end."""
        self._stopped.set()
        if self._task is not None:
            self.dispatcher.stop()
            await self._task
            self._task = None
