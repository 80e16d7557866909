"""Replies owed to a user, as stored until they are sent: the outbox of exactly-once handling.

An update's effects and the replies it owes are committed together. The replies are then sent
in the order the updates were handled, part by part, each part counted once it went out; a
process that dies in between leaves the rest to the next sender.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.domain.charts import chart_from_json, chart_to_json
from bot.domain.dialogue import Attachment, Image, Layout, Option, Progress, Reply, ReplyKind

# A sender holds a user's unsent replies this long; past it, another process may take them
# (its sender died). Each part sent renews nothing: a delivery takes well under a second, and
# a reply left by a dead process should not keep its person waiting long.
LEASE = timedelta(seconds=15)
# Handled updates are remembered this long: Telegram redelivers within a day, and after a week
# without updates it may start its ids afresh.
KEEP_HANDLED = timedelta(days=2)


@dataclass
class Delivery:
    """The replies one handled update (or a reminder) owes its user, and how far they went."""

    id: int
    user_id: int
    replies: list[Reply]
    context: dict[str, Any] = field(default_factory=dict)
    sent_parts: int = 0


def reply_to_json(reply: Reply) -> dict[str, Any]:
    """A reply as JSON; a picture keeps its name, caption and chart data (drawn when sent)."""
    data: dict[str, Any] = {"text": reply.text}
    if reply.options:
        data["options"] = [
            [option.id, option.label, option.key, option.stays, option.group]
            for option in reply.options
        ]
    if reply.image is not None:
        image = reply.image
        chart = chart_to_json(image.chart) if image.chart is not None else None
        data["image"] = [image.filename, image.caption, chart]
    if reply.attachment is not None:
        attachment = reply.attachment
        encoded = base64.b64encode(attachment.data).decode("ascii")
        data["attachment"] = [encoded, attachment.filename, attachment.mime]
    if reply.progress is not None:
        data["progress"] = [reply.progress.number, reply.progress.total]
    flags = {
        "layout": reply.layout.value,
        "kind": reply.kind.value,
        "replaces_pressed": reply.replaces_pressed,
        "echo": reply.echo,
        "key": reply.key,
    }
    data.update({name: value for name, value in flags.items() if value})
    return data


def reply_from_json(data: dict[str, Any]) -> Reply:
    """The reply `reply_to_json` stored; a stored picture comes back empty, with its caption."""
    options = tuple(
        Option(id=str(i), label=str(label), key=str(key), stays=bool(stays), group=int(group))
        for i, label, key, stays, group in data.get("options", [])
    )
    image = data.get("image")
    attachment = data.get("attachment")
    progress = data.get("progress")
    return Reply(
        text=str(data.get("text", "")),
        options=options,
        image=_stored_image(image) if image else None,
        attachment=_attachment(attachment) if attachment else None,
        layout=Layout(data.get("layout") or Layout.LIST.value),
        kind=ReplyKind(data.get("kind") or ReplyKind.MESSAGE.value),
        progress=Progress(int(progress[0]), int(progress[1])) if progress else None,
        replaces_pressed=bool(data.get("replaces_pressed", False)),
        echo=str(data.get("echo", "")),
        key=str(data.get("key", "")),
    )


def _stored_image(data: list[Any]) -> Image:
    """A stored picture draws nothing by itself; its chart's data lets a renderer draw it
    again (`bot.services.pictures.redrawable`), else its caption is sent."""
    chart = chart_from_json(data[2]) if len(data) > 2 else None
    return Image(_no_picture, str(data[0]), str(data[1]), chart)


def _no_picture() -> bytes:
    return b""


def _attachment(stored: list[str]) -> Attachment:
    encoded, filename, mime = stored
    return Attachment(data=base64.b64decode(encoded), filename=filename, mime=mime)
