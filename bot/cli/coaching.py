"""`trustcoach eval coaching`: the cards the coach really shows, judged on side and situation.

Each labelled message with a known side (buyer or supplier) and situation is sent, as a new user
of that side and language, to the real dialogue engine on a scratch database. The cards shown in
its answer are then judged: all written for that side (or both), and one of the first three on
the message's situation.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli._registry import Commands, evaluations

if TYPE_CHECKING:
    from bot.bootstrap import Services
    from bot.config import Settings
    from bot.domain.emotions import LabelledMessage
    from bot.domain.framework import Role

SET_PATTERNS = ("messages*.yaml",)
SIDES = ("buyer", "supplier")


def add_commands(commands: Commands) -> None:
    """Register `eval coaching`."""
    measure = evaluations(commands).add(
        "coaching",
        eval_coaching,
        summary="the cards the coach shows: right side, and on the situation in the top three",
        examples=["trustcoach eval coaching", "trustcoach eval coaching --set my.yaml --misses"],
    )
    measure.add_argument(
        "--set", type=Path, action="append", help="labelled messages (default: messages*.yaml)"
    )
    measure.add_argument("--misses", action="store_true", help="list the messages judged wrong")


@dataclass
class SideScore:
    """How the shown cards fared for one set and language."""

    messages: int = 0
    answered: int = 0  # cards were shown (not a clarifying question)
    right_side: int = 0
    on_situation_1: int = 0
    on_situation_3: int = 0
    misses: list[str] = field(default_factory=list)


def eval_coaching(settings: Settings, args: argparse.Namespace) -> int:
    """Print, per set and language, how often the coach's cards fit the side and situation."""
    from bot.adapters.emotion.data import load_labelled_messages  # noqa: PLC0415 - keep --help fast
    from bot.bootstrap import build_services  # noqa: PLC0415

    folder = tempfile.mkdtemp(prefix="trustcoach-eval-")
    scratch = settings.model_copy(update={"database_url": f"sqlite:///{folder}/eval.db"})
    services = build_services(scratch)  # its storage is created and migrated on the way
    services.warm_up(wait=True)
    eval_dir = settings.knowledge_dir / "eval"
    sets = args.set or sorted(path for pattern in SET_PATTERNS for path in eval_dir.glob(pattern))
    print(f"{'set':<22} {'lang':<4} {'n':>4} {'cards':>6} {'side':>6} {'sit@1':>6} {'sit@3':>6}")
    for path in sets:
        messages = [m for m in load_labelled_messages(path) if _judged(m)]
        for language in ("en", "fr"):
            mine = [m for m in messages if m.language == language]
            score = _score(services, mine, f"{path.stem}-{language}")
            if score.messages:
                _print_row(path.name, language, score, args.misses)
    services.close()
    return 0


def _judged(message: LabelledMessage) -> bool:
    return message.side in SIDES and bool(message.situations) and not message.needs_help


def _score(services: Services, messages: list[LabelledMessage], users: str) -> SideScore:
    from bot.domain.dialogue import Start, Text  # noqa: PLC0415
    from bot.services.conversation.options import OpenCard  # noqa: PLC0415
    from bot.services.conversation.protocol import decode  # noqa: PLC0415

    score = SideScore()
    for number, message in enumerate(messages):
        user = f"{users}-{number}"  # a new user per message: nothing carries over
        role: Role = "supplier" if message.side == "supplier" else "buyer"
        services.engine.handle("eval", user, Start(language=message.language, role=role))
        replies = services.engine.handle("eval", user, Text(message.text))
        opened = [decode(option.id) for reply in replies for option in reply.options]
        shown = [value.card for value in opened if isinstance(value, OpenCard)]
        found = [card for card in map(services.cards.get, shown) if card is not None]
        score.messages += 1
        if not found:
            score.misses.append(f"no card: {message.text[:70]}")
            continue
        score.answered += 1
        side_ok = all(message.side in card.audiences for card in found)
        on_1 = bool(set(found[0].situations) & set(message.situations))
        on_3 = any(set(card.situations) & set(message.situations) for card in found[:3])
        score.right_side += side_ok
        score.on_situation_1 += on_1
        score.on_situation_3 += on_3
        if not (side_ok and on_3):
            ids = ", ".join(card.id for card in found[:3])
            score.misses.append(
                f"{message.side} {','.join(message.situations)}: {message.text[:60]} -> {ids}"
            )
    return score


def _print_row(name: str, language: str, score: SideScore, misses: bool) -> None:
    n = score.messages
    print(
        f"{name:<22} {language:<4} {n:>4} {score.answered / n:>6.2f} {score.right_side / n:>6.2f} "
        f"{score.on_situation_1 / n:>6.2f} {score.on_situation_3 / n:>6.2f}"
    )
    if misses:
        for line in score.misses:
            print(f"    miss: {line}")
