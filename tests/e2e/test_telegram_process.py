"""The real `trustcoach telegram` process against the local fake Bot API: after each start, a
question typed right away gets cards (the warm-up loads the index and the emotion model in
threads of their own before the bot polls)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.services.conversation.options import OpenCard
from bot.services.conversation.protocol import decode
from tests.fake_telegram import FakeBotApi, callback_data_of

ROOT = Path(__file__).resolve().parents[2]
STARTS = 20
USER = 4242
QUESTION = "mon fournisseur m'annonce +12 % sur la fonte, je le vois demain 10h"


def _start_bot(
    fake: FakeBotApi, data_dir: Path, cache: Path, **settings: str
) -> subprocess.Popen[bytes]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTCOACH_")}
    environment |= {
        "TRUSTCOACH_DATA_DIR": str(data_dir),
        "TRUSTCOACH_CACHE_DIR": str(cache),
        "TRUSTCOACH_TELEGRAM_TOKEN": fake.token,
        "TRUSTCOACH_TELEGRAM_API_URL": fake.base_url,
        "TRUSTCOACH_TELEGRAM_MAX_RATE": "0",
        **settings,
    }
    command = [sys.executable, "-m", "bot", "telegram"]
    return subprocess.Popen(
        command, cwd=data_dir, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def _card_buttons(fake: FakeBotApi) -> list[str]:
    return [
        data
        for message in fake.sent(USER)
        for data in callback_data_of(message)
        if isinstance(decode(data), OpenCard)
    ]


async def _one_start(data_dir: Path, cache: Path) -> tuple[bool, str]:
    async with FakeBotApi() as fake:
        bot = _start_bot(fake, data_dir, cache)
        try:
            await fake.wait_for(lambda f: bool(f.calls_of("getUpdates")), timeout=180)
            fake.user_says(USER, "/start", language_code="fr")
            await fake.wait_for(lambda f: len(f.sent(USER)) >= 1)
            fake.user_says(USER, "/role buyer", language_code="fr")
            fake.user_says(USER, QUESTION, language_code="fr")
            with contextlib.suppress(TimeoutError):
                await fake.wait_for(lambda f: bool(_card_buttons(f)), timeout=60)
            result = bool(_card_buttons(fake)), "\n".join(fake.texts(USER))
        finally:
            output = await asyncio.to_thread(_stop, bot)
    assert b"Traceback" not in output, output.decode(errors="replace")[-3000:]
    return result


def _stop(bot: subprocess.Popen[bytes]) -> bytes:
    """Stop the bot as Ctrl-C would, killing it if it does not stop in time; its output."""
    bot.send_signal(signal.SIGINT)
    try:
        output, _ = bot.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        bot.kill()
        output, _ = bot.communicate()
    return output


@pytest.mark.slow
@pytest.mark.timeout(1800)  # twenty bot starts, each loading the model before it polls
def test_every_bot_start_answers_a_question_with_cards(tmp_path: Path, index_cache: Path) -> None:
    answered = 0
    for start in range(STARTS):
        data_dir = tmp_path / f"start{start}"
        data_dir.mkdir()
        got_cards, said = asyncio.run(_one_start(data_dir, index_cache))
        assert got_cards, f"start {start}: no cards in\n{said[-2000:]}"
        answered += got_cards
    assert answered == STARTS


async def _logged_run(data_dir: Path, cache: Path) -> tuple[bytes, FakeBotApi]:
    async with FakeBotApi() as fake:
        bot = _start_bot(fake, data_dir, cache, TRUSTCOACH_LOG_LEVEL="DEBUG")
        try:
            await fake.wait_for(lambda f: bool(f.calls_of("getUpdates")), timeout=180)
            fake.user_says(USER, "/start", first_name="Zéphyrine")
            await fake.wait_for(lambda f: len(f.sent(USER)) >= 1)
            fake.user_says(USER, SECRET_WORDS, first_name="Zéphyrine")
            await fake.wait_for(lambda f: len(f.sent(USER)) >= 2, timeout=60)
        finally:
            output = await asyncio.to_thread(_stop, bot)
    return output, fake


SECRET_WORDS = "my supplier Quintessa wants plus twelve percent"


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_bot_logs_no_token_no_words_no_names_even_at_debug(
    tmp_path: Path, index_cache: Path
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    output, fake = asyncio.run(_logged_run(data_dir, index_cache))
    logged = output.decode(errors="replace")
    assert "getUpdates" in logged or "DEBUG" in logged  # it did log, at DEBUG
    for private in (fake.token, fake.token.split(":")[1], "Quintessa", "Zéphyrine"):
        assert private not in logged, private
    # What it wrote is its owner's only.
    assert stat.S_IMODE((data_dir / "trustcoach.db").stat().st_mode) == 0o600
