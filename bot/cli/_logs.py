"""Logging that keeps secrets and people's words out: tokens redacted, chat content dropped."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

# A BotFather token anywhere (in a request URL: /bot123456:AAE.../sendMessage).
TOKEN_PATTERN = re.compile(r"\d{3,}:[A-Za-z0-9_-]{20,}")
REDACTED = "[redacted]"
# Libraries whose DEBUG lines carry whole updates (texts, names) or request bodies.
CHATTY = ("telegram", "httpx", "httpcore", "aiohttp.access", "apscheduler")


class RedactingFilter(logging.Filter):
    """Removes the bot token and the webhook secret from every record, whoever logs it.

    Without `personal_data`, it also drops the DEBUG lines of libraries that log whole
    updates: message texts and first names never reach a log.
    """

    def __init__(self, secrets: Iterable[str], personal_data: bool = False) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
        self._personal_data = personal_data

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message without secrets; False drops it."""
        chatty = record.name.split(".")[0] in CHATTY or record.name in CHATTY
        if chatty and not self._personal_data and record.levelno < logging.INFO:
            return False
        message = self.redact(record.getMessage())
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        record.msg, record.args = message, None
        return True

    def redact(self, text: str) -> str:
        """The text with every known secret and anything shaped like a token replaced."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return TOKEN_PATTERN.sub(REDACTED, text)


def configure(level: str, secrets: Iterable[str], personal_data: bool = False) -> None:
    """Log at `level` to stderr, through the redacting filter on every handler."""
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    redacting = RedactingFilter(secrets, personal_data)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redacting)
    # One line per HTTP request is noise at INFO (and carried the token in its URL).
    if not (personal_data and level == "DEBUG"):
        logging.getLogger("httpx").setLevel(logging.WARNING)
