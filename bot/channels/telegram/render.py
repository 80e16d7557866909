"""Turns the engine's replies into Telegram messages: keyboards, split texts, photos, files."""

from __future__ import annotations

from dataclasses import replace
from io import BytesIO

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile

from bot.domain.dialogue import Layout, Reply

MAX_TEXT = 4096  # Telegram's limit for one message
MAX_CAPTION = 1024
SHORT_LABEL = 18  # labels up to this length go two per row


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """Inline buttons laid out from the reply's hints: a scale in one row, a row per card."""
    if not reply.options:
        return None
    if reply.layout is Layout.CARDS:
        return _card_rows(reply)
    buttons = [
        InlineKeyboardButton(option.label, callback_data=option.id) for option in reply.options
    ]
    if reply.layout is Layout.SCALE:
        # The scale (group 0) on one row, the other buttons (back, skip) below it.
        groups: dict[int, list[InlineKeyboardButton]] = {}
        for button, option in zip(buttons, reply.options, strict=True):
            groups.setdefault(option.group, []).append(button)
        return InlineKeyboardMarkup([groups[group] for group in sorted(groups)])
    if all(len(option.label) <= SHORT_LABEL for option in reply.options):
        return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])
    return InlineKeyboardMarkup([[button] for button in buttons])


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split a long text at paragraph, then line, then word boundaries to fit Telegram's limit."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = max(
            rest.rfind("\n\n", 0, limit), rest.rfind("\n", 0, limit), rest.rfind(" ", 0, limit)
        )
        cut = cut if cut > limit // 2 else limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [*parts, rest] if rest else parts


def merge_texts(replies: list[Reply]) -> list[Reply]:
    """Join plain texts into the next message, so that one turn costs as few messages as it can.

    Telegram counts every message against its rate limits, and on a phone one message with its
    buttons reads better than three short ones. Options stay attached to their own text.
    """
    merged: list[Reply] = []
    pending: list[str] = []
    for reply in replies:
        plain = not reply.options and reply.image is None and reply.attachment is None
        if plain and reply.text:
            pending.append(reply.text)
            continue
        if pending and reply.image is None:
            joined = "\n\n".join([*pending, reply.text] if reply.text else pending)
            merged.append(replace(reply, text=joined))
        else:
            merged += [Reply(text="\n\n".join(pending))] if pending else []
            merged.append(reply)
        pending = []
    if pending:
        merged.append(Reply(text="\n\n".join(pending)))
    return merged


def merge_cards(replies: list[Reply]) -> list[Reply]:
    """Join consecutive card previews into one message, with a row of buttons per card.

    Three cards cost one message instead of three: fewer messages against Telegram's limits
    when many people get their results at once, and a shorter chat on a phone.
    """
    merged: list[Reply] = []
    for reply in replies:
        if merged and _is_cards(reply) and _is_cards(merged[-1]):
            previous = merged[-1]
            merged[-1] = replace(
                previous,
                text=f"{previous.text}\n\n{reply.text}",
                options=previous.options + reply.options,
            )
        else:
            merged.append(reply)
    return merged


def _is_cards(reply: Reply) -> bool:
    return (
        reply.layout is Layout.CARDS
        and bool(reply.options)
        and reply.image is None
        and reply.attachment is None
    )


def _card_rows(reply: Reply) -> InlineKeyboardMarkup:
    # Each card's buttons on their own row, named by the card's number: "2 · Read more".
    rows: dict[int, list[InlineKeyboardButton]] = {}
    for option in reply.options:
        label = f"{option.group} · {option.label}"
        rows.setdefault(option.group, []).append(
            InlineKeyboardButton(label, callback_data=option.id)
        )
    return InlineKeyboardMarkup(list(rows.values()))


def document(reply: Reply) -> InputFile | None:
    """The reply's attachment as a Telegram file, if any."""
    if reply.attachment is None:
        return None
    return InputFile(BytesIO(reply.attachment.data), filename=reply.attachment.filename)
