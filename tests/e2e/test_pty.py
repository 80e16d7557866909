"""`trustcoach chat` in a real pseudo-terminal, as a person starts it: the warm-up runs in the
background (card index, emotion model, charts in their own threads) while they type."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.adapters.db import database
from bot.adapters.db.models import UserRow

STARTS = 20
# What shows that cards came back: the key of the first card's "read more", on screen.
CARD_KEY = re.compile(r"\[m1\]")
PROMPT = "› "
QUESTIONS = (
    "my supplier wants a 9% price increase because of energy, we meet tomorrow",
    "mon fournisseur livre encore en retard, je le vois jeudi",
)


class Terminal:
    """A child process on a pseudo-terminal: what it printed, and keys typed into it."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd, close_fds=True
        )
        os.close(slave)
        self.output = ""

    def wait_for(self, pattern: re.Pattern[str] | str, timeout: float) -> bool:
        """Read until the output (since the start) matches, or the time is up."""
        deadline = time.monotonic() + timeout
        found = lambda: (  # noqa: E731
            pattern.search(self.output)
            if isinstance(pattern, re.Pattern)
            else pattern in self.output
        )
        while not found():
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(left):
                return bool(found())
        return True

    def type(self, text: str) -> None:
        """Type a line, as at a keyboard."""
        os.write(self.master, text.encode() + b"\r")

    def close(self) -> int:
        """Leave as a person does (/quit), collect what is left and the exit status.

        Not Ctrl-D: sent before readline is back at the prompt, the terminal's end-of-file is
        lost in the switch to raw mode (a person presses it at a prompt they see).
        """
        self.type("/quit")
        try:
            code = self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            # Never leave a child behind: a later test would inherit its warning.
            self.process.kill()
            self.process.wait()
            raise
        finally:
            while self._read(0.2):
                pass
            os.close(self.master)
        return code

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # the child closed the terminal
            return False
        self.output += chunk.decode("utf-8", errors="replace")
        return bool(chunk)


@pytest.mark.slow
@pytest.mark.timeout(1800)  # twenty starts, each loading the model: minutes on a busy machine
def test_an_interactive_start_answers_a_question_with_cards_every_time(
    tmp_path: Path, index_cache: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTCOACH_")}
    env |= {
        "TRUSTCOACH_DATA_DIR": str(tmp_path),
        "TRUSTCOACH_CACHE_DIR": str(index_cache),
        "TERM": "xterm",
        "COLUMNS": "120",
    }
    answered = 0
    for start in range(STARTS):
        user = f"person{start}"
        args = [sys.executable, "-m", "bot", "chat", "--user", user, "--lang", "en"]
        terminal = Terminal([*args, "--role", "buyer"], env, tmp_path)
        assert terminal.wait_for(PROMPT, 60), terminal.output
        # Typed at once, while the library is still loading in the background.
        terminal.type(QUESTIONS[start % len(QUESTIONS)])
        got_cards = terminal.wait_for(CARD_KEY, 120)
        code = terminal.close()
        assert "Traceback" not in terminal.output and "Error" not in terminal.output
        assert code == 0, terminal.output[-2000:]
        answered += got_cards
        assert got_cards, f"start {start}: no cards\n{terminal.output[-3000:]}"
    assert answered == STARTS
    engine = database.make_engine(f"sqlite:///{tmp_path / 'trustcoach.db'}")
    with engine.connect() as connection:
        users = connection.execute(UserRow.__table__.select()).fetchall()
    engine.dispose()
    assert len(users) == STARTS
