"""Keeps the bot within Telegram's 30 messages a second, serving taps before long follow-ups."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import AIORateLimiter, BaseRateLimiter

JSONDict = dict[str, Any]

# Answers to a tap: the edited question and the pressed button. They come first when the bot is
# at its limit, so a person tapping through a self-check never waits behind someone's result.
FIRST = ("editMessageText", "editMessageReplyMarkup", "answerCallbackQuery")
Request = Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]]


class TokenBucket:
    """`rate` tokens a second, at most `rate` in reserve; waiting callers served in order,
    the urgent queue first."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self._clock = clock
        self._tokens = rate
        self._updated = clock()
        self._queues: tuple[deque[asyncio.Future[None]], ...] = (deque(), deque())
        self._pump: asyncio.Task[None] | None = None

    async def acquire(self, urgent: bool) -> None:
        """Wait for a token; nobody overtakes a waiting caller of the same urgency."""
        if not any(self._queues) and self._take():
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queues[0 if urgent else 1].append(waiter)
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._serve())
        await waiter

    async def _serve(self) -> None:
        while any(self._queues):
            if not self._take():
                await asyncio.sleep((1 - self._tokens) / self.rate)
                continue
            queue = self._queues[0] or self._queues[1]
            waiter = queue.popleft()
            if waiter.done():  # its caller gave up (cancelled): the token goes to the next one
                self._tokens += 1
            else:
                waiter.set_result(None)

    def _take(self) -> bool:
        now = self._clock()
        self._tokens = min(self.rate, self._tokens + (now - self._updated) * self.rate)
        self._updated = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


class PriorityRateLimiter(BaseRateLimiter[int]):
    """Telegram's overall limit as a fair token bucket with taps first; groups' own limits and
    retries after a RetryAfter are left to PTB's AIORateLimiter."""

    def __init__(self, overall_max_rate: float = 30.0, max_retries: int = 3) -> None:
        self._bucket = TokenBucket(overall_max_rate) if overall_max_rate > 0 else None
        self._groups = AIORateLimiter(overall_max_rate=0, max_retries=max_retries)

    async def initialize(self) -> None:
        """Open the group limiter it delegates to."""
        await self._groups.initialize()

    async def shutdown(self) -> None:
        """Close the group limiter it delegates to."""
        await self._groups.shutdown()

    async def process_request(
        self,
        callback: Request,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        """Wait for a token when the request goes to a chat, then send it."""
        if self._bucket is not None and data.get("chat_id") is not None:
            await self._bucket.acquire(urgent=endpoint in FIRST)
        return await self._groups.process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
