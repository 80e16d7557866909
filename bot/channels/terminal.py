"""The terminal chat: reads lines, sends them to the dialogue engine, prints the replies."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.text import Text as RichText

from bot.domain.dialogue import Inbound, Option, Reply, Start, Text
from bot.domain.framework import Language, Role
from bot.services.engine import DialogueEngine

CHANNEL = "terminal"
log = logging.getLogger(__name__)


class TerminalChat:
    """A conversation with one user in the terminal; interactive or fed by a pipe."""

    def __init__(
        self,
        engine: DialogueEngine,
        user: str,
        console: Console,
        image_dir: Path,
        stdin: TextIO | None = None,
    ) -> None:
        self._engine = engine
        self._user = user
        self._console = console
        self._image_dir = image_dir
        self._stdin = stdin or sys.stdin
        self._interactive = self._stdin.isatty() and console.is_terminal

    def run(
        self,
        language: Language | None = None,
        role: Role | None = None,
        warm_up: Callable[[], object] | None = None,
    ) -> int:
        """Greet, then answer every line until end of input; return the exit status."""
        self._exchange(Start(language=language, role=role))
        if warm_up is not None and self._interactive:
            # Load the knowledge base while the person reads and types (not for piped scripts,
            # which may end before the model has finished loading).
            warm_up()
        while True:
            line = self._read_line()
            if line is None:
                break
            self._exchange(Text(line))
        self._say(self._engine.text(self._language(), "goodbye"), style="dim")
        return 0

    def _read_line(self) -> str | None:
        prompt = f"{self._engine.text(self._language(), 'you')} › "
        try:
            if self._interactive:
                return self._console.input(RichText(prompt, style="bold green"))
            line = self._stdin.readline()
        except (EOFError, KeyboardInterrupt):
            self._console.print()
            return None
        if not line:
            return None
        # Echo piped input so that a transcript reads like the conversation it was.
        self._console.print(RichText(prompt + line.rstrip("\n"), style="bold green"))
        return line.rstrip("\n")

    def _exchange(self, event: Inbound) -> None:
        try:
            replies = self._engine.handle(CHANNEL, self._user, event)
        except Exception:
            log.exception("engine failed on a terminal event")
            self._say(self._engine.text(self._language(), "internal_error"), style="red")
            return
        for reply in replies:
            self._render(reply)

    def _render(self, reply: Reply) -> None:
        if reply.text:
            self._say(reply.text, style="cyan")
        png = reply.image.png if reply.image is not None else b""
        if reply.image is not None and png:
            self._image_dir.mkdir(parents=True, exist_ok=True)
            path = self._image_dir / reply.image.filename
            path.write_bytes(png)
            self._say(
                self._engine.text(self._language(), "image_saved", path=str(path)), style="dim"
            )
        if reply.attachment is not None:
            folder = self._image_dir.parent / "sheets"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / reply.attachment.filename
            path.write_bytes(reply.attachment.data)
            self._say(
                self._engine.text(self._language(), "sheet_saved", path=str(path)), style="dim"
            )
        if reply.options:
            self._console.print(render_options(reply.options, reply.inline))

    def _say(self, text: str, style: str) -> None:
        self._console.print(RichText(text, style=style))

    def _language(self) -> Language:
        return self._engine.language_of(CHANNEL, self._user)


def render_options(options: tuple[Option, ...], inline: bool) -> RichText:
    """Show options with the key to type: on one line for a scale, one per line otherwise."""
    rendered = RichText()
    for index, option in enumerate(options):
        label = option.label.removeprefix(option.key).strip()
        if inline:
            rendered.append("  " if index else "")
            rendered.append(f"[{option.key}]", style="bold yellow")
            rendered.append(f" {label}" if label else "")
        else:
            rendered.append("\n" if index else "")
            rendered.append(f"  {option.key}. ", style="bold yellow")
            rendered.append(label)
    return rendered


def run_chat(
    build_engine: Callable[[], DialogueEngine],
    user: str,
    image_dir: Path,
    language: Language | None,
    role: Role | None,
    warm_up: Callable[[], object] | None = None,
) -> int:
    """Start a terminal conversation for one user."""
    console = Console(highlight=False, soft_wrap=False)
    return TerminalChat(build_engine(), user, console, image_dir).run(language, role, warm_up)
