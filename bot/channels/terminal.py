"""The terminal chat: reads lines, sends them to the dialogue engine, prints the replies."""

from __future__ import annotations

import contextlib
import logging
import re
import sys
from pathlib import Path
from typing import Protocol, TextIO

from rich.console import Console
from rich.text import Text as RichText

from bot.domain.dialogue import Inbound, Layout, Option, Reply, Start, Text
from bot.domain.framework import LANGUAGES, Language, Role
from bot.domain.health import ResourceState, ResourceStatus
from bot.domain.text import fold
from bot.services.conversation.protocol import Flow
from bot.services.engine import DialogueEngine

CHANNEL = "terminal"
# How long a message waits for the library to finish loading before it is answered without it.
LOAD_WAIT_SECONDS = 120.0
# Typed to leave the chat, like Ctrl-D (the terminal's own words: other channels have no exit).
QUIT_WORDS = frozenset({"/quit", "/exit", "/bye", "/quitter", "/sortir"})
SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")
log = logging.getLogger(__name__)


class Library(Protocol):
    """The heavy resources behind the coach (card index, emotion model), loading on demand."""

    def warm_up(self, wait: bool = False) -> None:
        """Start loading them in the background."""

    def statuses(self) -> list[ResourceStatus]:
        """Where each stands now."""

    def wait_ready(self, timeout: float | None = None) -> list[ResourceStatus]:
        """Block while any is loading (at most `timeout` seconds)."""


class TerminalChat:
    """A conversation with one user in the terminal; interactive or fed by a pipe."""

    def __init__(
        self,
        engine: DialogueEngine,
        user: str,
        console: Console,
        image_dir: Path,
        stdin: TextIO | None = None,
        library: Library | None = None,
    ) -> None:
        self._engine = engine
        self._user = user
        self._console = console
        self._image_dir = image_dir
        self._stdin = stdin or sys.stdin
        self._interactive = self._stdin.isatty() and console.is_terminal
        self._library = library
        self._told: set[str] = set()

    def run(self, language: Language | None = None, role: Role | None = None) -> int:
        """Greet, then answer every line until end of input; return the exit status."""
        self._exchange(Start(language=language, role=role))
        if self._interactive:
            self._say(self._words("how_to_leave"), style="dim")
            _line_editing()
        if self._library is not None and self._interactive:
            # Load the knowledge base while the person reads and types (not for piped scripts,
            # which may end before the model has finished loading).
            self._library.warm_up()
        while True:
            line = self._read_line()
            if line is None or fold(line).strip() in QUIT_WORDS:
                break
            self._wait_for_library()
            self._exchange(Text(line))
        self._say(self._engine.text(self._language(), "goodbye"), style="dim")
        return 0

    def _wait_for_library(self) -> None:
        """While the library loads, say so once and wait, outside any database transaction."""
        if self._library is None:
            return
        statuses = self._library.statuses()
        if any(status.state is ResourceState.LOADING for status in statuses):
            self._tell_once("library_loading")
            statuses = self._library.wait_ready(LOAD_WAIT_SECONDS)
        if any(s.name == "cards" and s.state is ResourceState.FAILED for s in statuses):
            self._tell_once("library_unavailable")

    def _tell_once(self, key: str) -> None:
        if key not in self._told:
            self._told.add(key)
            self._say(self._words(key), style="dim")

    def _words(self, key: str, **values: object) -> str:
        """A text in the user's language; in both while the language is still being asked."""
        conversation = self._engine.conversation(CHANNEL, self._user)
        if conversation is None or conversation.flow is Flow.LANGUAGE:
            return "\n".join(self._engine.text(code, key, **values) for code in LANGUAGES)
        return self._engine.text(self._language(), key, **values)

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
        except Exception as error:
            # One line in the log, the details at DEBUG; the person gets a sentence, not a trace.
            log.error("engine failed on a terminal event: %s", type(error).__name__)
            log.debug("engine failure", exc_info=error)
            self._say(self._engine.text(self._language(), "internal_error"), style="red")
            return
        for reply in replies:
            self._render(reply)

    def _render(self, reply: Reply) -> None:
        if reply.text:
            self._say(reply.text, style="cyan")
        png = reply.image.png if reply.image is not None else b""
        if reply.image is not None and png:
            path = self._keep(self._image_dir, reply.image.filename, png)
            self._say(self._engine.text(self._language(), "image_saved", path=path), style="dim")
        if reply.attachment is not None:
            folder = self._image_dir.parent / "sheets"
            path = self._keep(folder, reply.attachment.filename, reply.attachment.data)
            key = "sheet_saved" if reply.attachment.mime == "text/markdown" else "file_saved"
            self._say(self._engine.text(self._language(), key, path=path), style="dim")
        if reply.options:
            self._console.print(render_options(reply.options, reply.layout))

    def _keep(self, folder: Path, filename: str, data: bytes) -> str:
        # One folder for every user of this machine: each user's files carry their name.
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{SAFE_NAME.sub('-', self._user)[:40]}-{filename}"
        path.write_bytes(data)
        return str(path)

    def _say(self, text: str, style: str) -> None:
        self._console.print(RichText(text, style=style))

    def _language(self) -> Language:
        return self._engine.language_of(CHANNEL, self._user)


def _line_editing() -> None:
    """Arrow keys and history at the prompt, where the platform has readline."""
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401, PLC0415 - importing it is what turns line editing on


def render_options(options: tuple[Option, ...], layout: Layout) -> RichText:
    """Show options with the key to type: on one line for a scale or a card, else one a line."""
    rendered = RichText()
    inline = layout is not Layout.LIST
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
    engine: DialogueEngine,
    user: str,
    image_dir: Path,
    language: Language | None,
    role: Role | None,
    library: Library | None = None,
) -> int:
    """Start a terminal conversation for one user."""
    console = Console(highlight=False, soft_wrap=False)
    return TerminalChat(engine, user, console, image_dir, library=library).run(language, role)
