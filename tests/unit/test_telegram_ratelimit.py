"""The Telegram rate limiter: Telegram's pace overall, taps before follow-ups, first come first served."""

from __future__ import annotations

import asyncio
import time

from bot.channels.telegram.ratelimit import TokenBucket


def test_the_bucket_keeps_to_its_rate_after_the_first_burst() -> None:
    async def scenario() -> float:
        bucket = TokenBucket(rate=100)
        started = time.monotonic()
        await asyncio.gather(*(bucket.acquire(urgent=False) for _ in range(150)))
        return time.monotonic() - started

    elapsed = asyncio.run(scenario())
    assert 0.45 <= elapsed < 2.0  # 100 at once, then 50 more at 100 a second


def test_a_tap_overtakes_queued_follow_ups_and_each_queue_keeps_its_order() -> None:
    async def scenario() -> list[str]:
        bucket = TokenBucket(rate=20)
        for _ in range(20):
            await bucket.acquire(urgent=False)  # the reserve is spent
        served: list[str] = []

        async def ask(name: str, urgent: bool) -> None:
            await bucket.acquire(urgent)
            served.append(name)

        slow = [asyncio.create_task(ask(f"result {n}", urgent=False)) for n in range(4)]
        await asyncio.sleep(0)  # they are queued
        taps = [asyncio.create_task(ask(f"tap {n}", urgent=True)) for n in range(2)]
        await asyncio.gather(*slow, *taps)
        return served

    served = asyncio.run(scenario())
    assert served[:2] == ["tap 0", "tap 1"]
    assert served[2:] == ["result 0", "result 1", "result 2", "result 3"]


def test_a_cancelled_waiter_does_not_waste_a_token() -> None:
    async def scenario() -> float:
        bucket = TokenBucket(rate=10)
        for _ in range(10):
            await bucket.acquire(urgent=False)
        gone = asyncio.create_task(bucket.acquire(urgent=False))
        await asyncio.sleep(0)
        gone.cancel()
        started = time.monotonic()
        await bucket.acquire(urgent=False)
        return time.monotonic() - started

    assert asyncio.run(scenario()) < 0.2  # served with the first new token, not the second
