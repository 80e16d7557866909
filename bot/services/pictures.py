"""Pictures handed to channels: drawn when sent, and never an error in the chat."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.domain.dialogue import Image

log = logging.getLogger(__name__)


def guarded_image(draw: Callable[[], bytes], filename: str, caption: str = "") -> Image:
    """An image whose drawing logs its failure and gives no bytes (channels skip the picture)."""

    def drawn() -> bytes:
        try:
            return draw()
        except Exception:  # a chart is a bonus: the figures are in the text already
            log.exception("could not draw a chart")
            return b""

    return Image(drawn, filename, caption)
