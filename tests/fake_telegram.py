"""A local fake of the Telegram Bot API, served on loopback for the Telegram channel's tests.

The real python-telegram-bot ``Application`` (or a bare ``telegram.Bot``) talks to it over HTTP::

    async with FakeBotApi() as fake:
        app = (
            Application.builder()
            .token(fake.token)
            .base_url(fake.base_url)
            .base_file_url(fake.base_file_url)
            .build()
        )
        fake.user_says(42, "/start")
        ...  # run the application
        await fake.wait_for(lambda f: f.sent(42))

Requests go to ``http://127.0.0.1:PORT/bot<TOKEN>/<method>``. Parameters are read the way the
Bot API reads them: from the query string, from ``application/x-www-form-urlencoded`` or
``multipart/form-data`` bodies (nested values such as ``reply_markup`` arrive JSON-encoded, files
as parts with a filename) or from a JSON body. Answers are ``{"ok": true, "result": ...}`` or
``{"ok": false, "error_code": N, "description": ...}`` with the same HTTP status, as Telegram
does.

What users do is queued with :meth:`FakeBotApi.user_says` and :meth:`FakeBotApi.user_presses`
and served by ``getUpdates`` (long polling, capped at :data:`MAX_POLL_WAIT` seconds). What the
bot did is recorded in :attr:`FakeBotApi.calls`, :meth:`FakeBotApi.sent`,
:attr:`FakeBotApi.edits` and :attr:`FakeBotApi.answered_callbacks`.

Like Telegram, the fake refuses some mistakes a bot can make: texts over 4096 characters,
captions over 1024, callback data over 64 bytes, inline buttons without an action, edits that
change nothing ("message is not modified"), edits of unknown messages, answering a callback
query twice or one that never existed, ``getUpdates`` while a webhook is set. It does not parse
``parse_mode`` markup, and delivers every group message (no privacy mode).

:class:`FakeBotApiThread` runs the same server on its own event loop in a daemon thread, for
synchronous tests.

Note for tests that expect ``RetryAfter``: python-telegram-bot 22 emits a
``PTBDeprecationWarning`` while building that exception unless the environment variable
``PTB_TIMEDELTA=true`` is set; with ``filterwarnings = error`` the warning replaces the exception.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import re
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self, TypeVar

import aiohttp
from aiohttp import web

__all__ = [
    "MAX_CALLBACK_DATA",
    "MAX_CAPTION",
    "MAX_POLL_WAIT",
    "MAX_TEXT",
    "BotApiError",
    "FakeBotApi",
    "FakeBotApiThread",
    "UploadedFile",
    "callback_data_of",
]

JSON = dict[str, Any]
"""A JSON object as the Bot API sends or receives it."""

T = TypeVar("T")
Predicate = Callable[["FakeBotApi"], object]

MAX_TEXT = 4096
"""Longest text of a message, in characters."""
MAX_CAPTION = 1024
"""Longest caption of a media message, in characters."""
MAX_CALLBACK_DATA = 64
"""Longest ``callback_data`` of an inline button, in bytes (UTF-8)."""
MAX_POLL_WAIT = 2.0
"""Longest time, in seconds, a ``getUpdates`` long poll waits, whatever its ``timeout``."""

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
"""The header Telegram sends a webhook's ``secret_token`` in."""

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: injected failure",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}

# Parameters whose form value is always a plain string, never JSON (a text such as "42" or
# "true" must stay a string). Every other form value is JSON-decoded when it parses as JSON.
_STRING_PARAMS = frozenset(
    {
        "action",
        "animation",
        "audio",
        "business_connection_id",
        "callback_query_id",
        "caption",
        "custom_emoji_id",
        "description",
        "document",
        "emoji",
        "file_id",
        "first_name",
        "inline_message_id",
        "ip_address",
        "language_code",
        "last_name",
        "message_effect_id",
        "name",
        "parse_mode",
        "photo",
        "query",
        "secret_token",
        "short_description",
        "sticker",
        "text",
        "thumbnail",
        "title",
        "url",
        "video",
        "video_note",
        "voice",
    }
)

_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_BUTTON_ACTIONS = frozenset(
    {
        "callback_data",
        "callback_game",
        "copy_text",
        "login_url",
        "pay",
        "switch_inline_query",
        "switch_inline_query_chosen_chat",
        "switch_inline_query_current_chat",
        "url",
        "web_app",
    }
)


@dataclass(frozen=True, repr=False)
class UploadedFile:
    """A file the bot uploaded in a ``multipart/form-data`` request."""

    field: str
    """The form part's name (``photo``, ``document`` or an ``attach://`` name)."""
    filename: str
    """The filename the client gave."""
    content: bytes
    """The file's bytes."""
    content_type: str
    """The MIME type the client gave."""

    def __repr__(self) -> str:
        return (
            f"UploadedFile(field={self.field!r}, filename={self.filename!r}, "
            f"size={len(self.content)}, content_type={self.content_type!r})"
        )


class BotApiError(Exception):
    """An error answer of the Bot API: raised inside the fake, sent to the client as JSON."""

    def __init__(self, error_code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(f"{error_code} {description}")
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSON:
        """The JSON body Telegram would answer with."""
        body: JSON = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(description: str) -> BotApiError:
    return BotApiError(400, f"Bad Request: {description}")


def _decode_form_value(name: str, raw: str) -> Any:
    """Turn a form value back into what the client JSON-encoded (strings stay strings)."""
    if name in _STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _command_entities(text: str) -> list[JSON]:
    """The ``bot_command`` entities Telegram attaches to a text (offsets in UTF-16 units)."""
    return [
        {
            "type": "bot_command",
            "offset": _utf16_len(text[: match.start()]),
            "length": _utf16_len(match.group()),
        }
        for match in _COMMAND.finditer(text)
    ]


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise _bad_request("can't parse inline keyboard button: Text must be a String")
    if not _BUTTON_ACTIONS & button.keys():
        raise _bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    data = button.get("callback_data")
    if data is not None and (
        not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA
    ):
        raise _bad_request("BUTTON_DATA_INVALID")


def _inline_markup(markup: Any) -> JSON | None:
    """The inline keyboard of a ``reply_markup`` parameter, checked; ``None`` for other kinds."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
    for row in rows:
        for button in row:
            _check_button(button)
    return {"inline_keyboard": rows}


def callback_data_of(message: JSON) -> list[str]:
    """The ``callback_data`` of every inline button of a message (or ``sent()`` entry)."""
    markup = message.get("reply_markup") or {}
    return [
        button["callback_data"]
        for row in markup.get("inline_keyboard", [])
        for button in row
        if "callback_data" in button
    ]


def _int_param(params: JSON, name: str, default: int) -> int:
    value = params.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad_request(f"invalid {name} specified")
    return int(value)


def _chat_key(params: JSON) -> int | str:
    chat_id = params.get("chat_id")
    if chat_id is None or chat_id == "":
        raise _bad_request("chat_id is empty")
    if isinstance(chat_id, bool) or not isinstance(chat_id, int | str):
        raise _bad_request("chat not found")
    return chat_id


@dataclass
class _State:
    """Everything the fake server holds besides its public records."""

    next_update_id: int = 1
    next_callback_id: int = 1
    next_file_id: int = 1
    pending: list[JSON] = field(default_factory=list)
    next_message_id: dict[int | str, int] = field(default_factory=dict)
    messages: dict[tuple[int | str, int], JSON] = field(default_factory=dict)
    chats: dict[int | str, JSON] = field(default_factory=dict)
    users: dict[int, JSON] = field(default_factory=dict)
    open_callbacks: dict[str, JSON] = field(default_factory=dict)
    failures: dict[str, list[BotApiError]] = field(default_factory=dict)
    commands: dict[str, list[JSON]] = field(default_factory=dict)
    webhook: JSON | None = None
    files: dict[str, UploadedFile] = field(default_factory=dict)


class FakeBotApi:
    """A fake Telegram Bot API server on ``127.0.0.1`` (aiohttp), for one bot token.

    Not started by the constructor: call :meth:`start` (or use ``async with``) inside a
    running event loop. The recording methods (:meth:`user_says`, :meth:`sent`, ...) are
    thread-safe and may be called before the server starts.
    """

    def __init__(
        self,
        token: str = "123456:TEST-token",
        bot_username: str = "trustcoach_test_bot",
        first_update_id: int = 1,
    ) -> None:
        self.token = token
        """The only token the server accepts."""
        self.bot_username = bot_username
        prefix = token.split(":", 1)[0]
        self.bot_user: JSON = {
            "id": int(prefix) if prefix.isdigit() else 123456,
            "is_bot": True,
            "first_name": "TrustCoach",
            "username": bot_username,
        }
        """The bot's own ``User`` object, as ``from`` of its messages."""
        self.base_url = ""
        """``http://127.0.0.1:PORT/bot`` once started (PTB's ``base_url``)."""
        self.base_file_url = ""
        """``http://127.0.0.1:PORT/file/bot`` once started (PTB's ``base_file_url``)."""
        self.port = 0
        """The bound port once started."""
        self.calls: list[tuple[str, JSON]] = []
        """Every authorised method call, in order: (method as in the URL, parsed parameters)."""
        self.answered_callbacks: list[JSON] = []
        """Parameters of each successful ``answerCallbackQuery``."""
        self.edits: list[JSON] = []
        """Each successful edit: its parameters, plus ``method`` and the edited ``message``."""
        self.deleted: list[JSON] = []
        """Parameters of each successful ``deleteMessage``."""
        self.webhook_posts: list[tuple[str, JSON, int]] = []
        """Each update posted with :meth:`post_update`: (url, update, HTTP status)."""
        self.server_errors: list[BaseException] = []
        """Exceptions raised inside the fake itself (answered as 500); should stay empty."""
        self.listeners: list[Callable[[str, JSON], None]] = []
        """Called in the server's loop after each successful call: (method lowercased, params)."""
        self.result_listeners: list[Callable[[str, JSON, Any], None]] = []
        """Like :attr:`listeners`, with the call's result as well (a sent Message, say)."""
        self._sent: list[JSON] = []
        self._state = _State(next_update_id=first_update_id)
        self._lock = threading.RLock()
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._update_event: asyncio.Event | None = None
        self._closing = False
        self._handlers: dict[str, Callable[[JSON], Any]] = {
            "getme": self._get_me,
            "sendmessage": self._send_message,
            "sendphoto": self._send_photo,
            "senddocument": self._send_document,
            "editmessagetext": self._edit_message_text,
            "editmessagecaption": self._edit_message_caption,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "sendchataction": self._send_chat_action,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "getfile": self._get_file,
        }

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Bind ``127.0.0.1`` on a free port and serve until :meth:`stop`."""
        if self._runner is not None:
            raise RuntimeError("FakeBotApi is already started")
        self._loop = asyncio.get_running_loop()
        self._update_event = asyncio.Event()
        self._closing = False
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("*", "/file/bot{token}/{file_path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown_path)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        self.base_url = f"http://127.0.0.1:{self.port}/bot"
        self.base_file_url = f"http://127.0.0.1:{self.port}/file/bot"

    async def stop(self) -> None:
        """Answer pending long polls, close connections and release the port."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self._closing = True
        if self._update_event is not None:
            self._update_event.set()
        await runner.cleanup()
        self._loop = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ------------------------------------------------------------------ what users do

    def user_says(
        self,
        user_id: int,
        text: str,
        *,
        language_code: str = "en",
        chat_id: int | None = None,
        first_name: str = "Ana",
        chat_type: str = "private",
    ) -> int:
        """Queue a text message from a user (served by ``getUpdates``); return its update_id.

        ``chat_id`` defaults to ``user_id`` (a private chat); other chat types need one.
        Commands get their ``bot_command`` entities, as Telegram adds them.
        """
        update = self.make_message_update(
            user_id,
            text,
            language_code=language_code,
            chat_id=chat_id,
            first_name=first_name,
            chat_type=chat_type,
        )
        self._queue(update)
        return int(update["update_id"])

    def user_presses(
        self,
        user_id: int,
        message_id: int,
        data: str,
        *,
        chat_id: int | None = None,
        language_code: str = "en",
        check_button: bool = True,
    ) -> int:
        """Queue a press of an inline button of a bot message; return the update_id.

        The message must be one the bot sent in that chat (``chat_id`` defaults to
        ``user_id``); it is delivered as it is now (after edits). With ``check_button`` the
        data must be one of its buttons' ``callback_data``.
        """
        update = self.make_callback_update(
            user_id,
            message_id,
            data,
            chat_id=chat_id,
            language_code=language_code,
            check_button=check_button,
        )
        self._queue(update)
        return int(update["update_id"])

    def make_message_update(
        self,
        user_id: int,
        text: str,
        *,
        language_code: str = "en",
        chat_id: int | None = None,
        first_name: str = "Ana",
        chat_type: str = "private",
    ) -> JSON:
        """Build a message update (new update_id and message_id) without queueing it.

        Use it with :meth:`post_update` for webhook tests.
        """
        if chat_id is None:
            if chat_type != "private":
                raise ValueError(f"a {chat_type} chat needs an explicit chat_id")
            chat_id = user_id
        user = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": language_code,
        }
        chat: JSON = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = first_name
        else:
            chat["title"] = "TrustCoach test group"
        with self._lock:
            self._state.chats[chat_id] = chat
            self._state.users[user_id] = user
            message: JSON = {
                "message_id": self._new_message_id(chat_id),
                "date": int(time.time()),
                "chat": chat,
                "from": user,
                "text": text,
            }
            entities = _command_entities(text)
            if entities:
                message["entities"] = entities
            self._state.messages[chat_id, message["message_id"]] = message
            return {"update_id": self._new_update_id(), "message": copy.deepcopy(message)}

    def make_callback_update(
        self,
        user_id: int,
        message_id: int,
        data: str,
        *,
        chat_id: int | None = None,
        language_code: str = "en",
        check_button: bool = True,
    ) -> JSON:
        """Build a callback_query update on a bot message without queueing it.

        The query id is registered, so the bot may answer it once.
        """
        chat_key = user_id if chat_id is None else chat_id
        with self._lock:
            message = self._state.messages.get((chat_key, message_id))
            if message is None or not message["from"].get("is_bot"):
                known = sorted(
                    mid
                    for (chat, mid), msg in self._state.messages.items()
                    if chat == chat_key and msg["from"].get("is_bot")
                )
                raise ValueError(
                    f"no bot message {message_id} in chat {chat_key}; bot messages: {known}"
                )
            if check_button and data not in callback_data_of(message):
                raise ValueError(
                    f"message {message_id} has no button with callback_data {data!r}; "
                    f"it has {callback_data_of(message)}"
                )
            query_id = str(4_000_000_000 + self._state.next_callback_id)
            self._state.next_callback_id += 1
            known_user = self._state.users.get(user_id, {})
            query: JSON = {
                "id": query_id,
                "from": {
                    "id": user_id,
                    "is_bot": False,
                    "first_name": known_user.get("first_name", "Ana"),
                    "language_code": language_code,
                },
                "chat_instance": f"instance{chat_key}",
                "data": data,
                "message": copy.deepcopy(message),
            }
            self._state.open_callbacks[query_id] = query
            return {"update_id": self._new_update_id(), "callback_query": copy.deepcopy(query)}

    def queue_update(self, update: JSON) -> int:
        """Queue an update built by hand (its update_id is replaced by the next one)."""
        with self._lock:
            update = {**copy.deepcopy(update), "update_id": self._new_update_id()}
        self._queue(update)
        return int(update["update_id"])

    def fail_next(
        self,
        method: str,
        error_code: int = 429,
        retry_after: int = 1,
        description: str | None = None,
    ) -> None:
        """Make the next call of ``method`` (case-insensitive) answer an error.

        A 429 carries ``"parameters": {"retry_after": retry_after}`` (PTB raises ``RetryAfter``).
        Several calls queue several failures.
        """
        if description is None:
            description = (
                f"Too Many Requests: retry after {retry_after}"
                if error_code == 429
                else _DEFAULT_DESCRIPTIONS.get(error_code, f"Injected error {error_code}")
            )
        parameters = {"retry_after": retry_after} if error_code == 429 else None
        with self._lock:
            self._state.failures.setdefault(method.lower(), []).append(
                BotApiError(error_code, description, parameters)
            )

    # ------------------------------------------------------------------ what the bot did

    def sent(self, chat_id: int | str | None = None) -> list[JSON]:
        """Messages the bot sent (sendMessage, sendPhoto, sendDocument), oldest first.

        Each entry holds the request parameters (``chat_id``, ``text``, ``caption``,
        ``reply_markup`` as a dict, ``parse_mode``...; ``text``, ``caption`` and
        ``reply_markup`` are ``None`` when absent), plus ``method``, ``message_id``, ``date``,
        ``message`` (the Message answered) and, for uploads, ``filename``, ``file_bytes`` and
        ``mime_type`` (else ``None``). Entries show what was sent, not later edits: see
        :meth:`message` for that.
        """
        with self._lock:
            return [
                copy.deepcopy(entry)
                for entry in self._sent
                if chat_id is None or entry["chat_id"] == chat_id
            ]

    def last_sent(self, chat_id: int | str | None = None) -> JSON:
        """The latest :meth:`sent` entry (for a chat); ``LookupError`` if there is none."""
        entries = self.sent(chat_id)
        if not entries:
            raise LookupError(f"the bot sent nothing to chat {chat_id}")
        return entries[-1]

    def texts(self, chat_id: int | str | None = None) -> list[str]:
        """The text (or caption) of each message the bot sent, oldest first."""
        return [entry["text"] or entry["caption"] or "" for entry in self.sent(chat_id)]

    def message(self, chat_id: int | str, message_id: int) -> JSON:
        """A message as it is now (edits applied); ``KeyError`` if unknown or deleted."""
        with self._lock:
            return copy.deepcopy(self._state.messages[chat_id, message_id])

    def calls_of(self, method: str) -> list[JSON]:
        """Parameters of each call of ``method`` (case-insensitive), in order."""
        with self._lock:
            return [params for name, params in self.calls if name.lower() == method.lower()]

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """The commands set with ``setMyCommands`` for a scope and language (default: all)."""
        with self._lock:
            return copy.deepcopy(
                self._state.commands.get(self._commands_key(scope, language_code), [])
            )

    @property
    def webhook(self) -> JSON | None:
        """The parameters of the current ``setWebhook``, or ``None``."""
        with self._lock:
            return copy.deepcopy(self._state.webhook)

    @property
    def pending_updates(self) -> list[JSON]:
        """Queued updates not yet confirmed by a ``getUpdates`` offset."""
        with self._lock:
            return copy.deepcopy(self._state.pending)

    async def wait_for(self, predicate: Predicate, timeout: float = 10.0) -> Any:
        """Wait until ``predicate(self)`` is truthy and return its value.

        Raises ``TimeoutError`` (naming the latest calls) after ``timeout`` seconds.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            with self._lock:
                value = predicate(self)
            if value:
                return value
            if loop.time() >= deadline:
                raise TimeoutError(self._timeout_message(timeout))
            await asyncio.sleep(0.01)

    # ------------------------------------------------------------------ webhook mode

    async def post_update(self, url: str, update: JSON, secret_token: str | None = None) -> int:
        """POST an update to a webhook as Telegram does; return the HTTP status.

        The body is JSON; ``secret_token`` (if any) goes in ``X-Telegram-Bot-Api-Secret-Token``.
        """
        headers = {"Content-Type": "application/json"}
        if secret_token is not None:
            headers[SECRET_HEADER] = secret_token
        timeout = aiohttp.ClientTimeout(total=30)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(url, data=json.dumps(update), headers=headers) as response,
        ):
            await response.read()
            status = response.status
        with self._lock:
            self.webhook_posts.append((url, copy.deepcopy(update), status))
        return status

    # ------------------------------------------------------------------ internals: state

    def _new_update_id(self) -> int:
        update_id = self._state.next_update_id
        self._state.next_update_id += 1
        return update_id

    def _new_message_id(self, chat_id: int | str) -> int:
        message_id = self._state.next_message_id.get(chat_id, 1)
        self._state.next_message_id[chat_id] = message_id + 1
        return message_id

    def _queue(self, update: JSON) -> None:
        with self._lock:
            self._state.pending.append(update)
        self._wake_pollers()

    def _wake_pollers(self) -> None:
        loop, event = self._loop, self._update_event
        if loop is None or event is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(event.set)

    def _timeout_message(self, timeout: float) -> str:
        with self._lock:
            recent = [name for name, _ in self.calls[-15:]]
            errors = list(self.server_errors)
        message = f"condition not met within {timeout} s; latest calls: {recent}"
        if errors:
            message += f"; server errors: {errors!r}"
        return message

    def _chat(self, chat_id: int | str) -> JSON:
        chat = self._state.chats.get(chat_id)
        if chat is not None:
            return copy.deepcopy(chat)
        if isinstance(chat_id, int) and chat_id > 0:
            return {"id": chat_id, "type": "private"}
        return {"id": chat_id, "type": "supergroup", "title": "TrustCoach test group"}

    def _new_bot_message(self, chat_id: int | str, params: JSON, content: JSON) -> JSON:
        message: JSON = {
            "message_id": self._new_message_id(chat_id),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": dict(self.bot_user),
            **content,
        }
        markup = _inline_markup(params.get("reply_markup"))
        if markup is not None:
            message["reply_markup"] = markup
        self._state.messages[chat_id, message["message_id"]] = message
        return message

    def _record_sent(
        self, method: str, params: JSON, message: JSON, upload: UploadedFile | None
    ) -> None:
        entry: JSON = {
            name: value for name, value in params.items() if not isinstance(value, UploadedFile)
        }
        for name in ("text", "caption", "reply_markup"):
            entry.setdefault(name, None)
        entry.update(
            method=method,
            chat_id=params["chat_id"],
            message_id=message["message_id"],
            date=message["date"],
            message=copy.deepcopy(message),
            filename=upload.filename if upload else None,
            file_bytes=upload.content if upload else None,
            mime_type=upload.content_type if upload else None,
        )
        self._sent.append(entry)

    def _store_upload(self, value: Any, kind: str) -> tuple[str, UploadedFile | None]:
        """The file_id of a sent file (new for uploads) and the upload, if it was one."""
        if isinstance(value, UploadedFile):
            file_id = f"{kind}-{self._state.next_file_id}"
            self._state.next_file_id += 1
            self._state.files[file_id] = value
            return file_id, value
        if isinstance(value, str) and value:
            return value, None
        raise _bad_request(f"there is no {kind} in the request")

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> str:
        return json.dumps([scope or {"type": "default"}, language_code or ""], sort_keys=True)

    # ------------------------------------------------------------------ internals: HTTP

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(BotApiError(401, "Unauthorized"))
        method = request.match_info["method"]
        try:
            params = await self._read_params(request)
            with self._lock:
                self.calls.append((method, params))
                failures = self._state.failures.get(method.lower())
                if failures:
                    raise failures.pop(0)
            if method.lower() == "getupdates":
                result = await self._get_updates(params)
            else:
                handler = self._handlers.get(method.lower())
                with self._lock:
                    result = True if handler is None else handler(params)
        except BotApiError as error:
            return self._error(error)
        except Exception as error:  # a bug in the fake: answer 500, keep it for the test
            self.server_errors.append(error)
            return self._error(BotApiError(500, f"Internal Server Error: {error!r}"))
        for listener in self.listeners:
            listener(method.lower(), params)
        for result_listener in self.result_listeners:
            result_listener(method.lower(), params, result)
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(BotApiError(401, "Unauthorized"))
        file_id = request.match_info["file_path"].rsplit("/", 1)[-1]
        with self._lock:
            upload = self._state.files.get(file_id)
        if upload is None:
            return self._error(BotApiError(404, "Not Found"))
        return web.Response(body=upload.content, content_type=upload.content_type)

    async def _handle_unknown_path(self, request: web.Request) -> web.Response:
        return self._error(BotApiError(404, "Not Found"))

    @staticmethod
    def _error(error: BotApiError) -> web.Response:
        return web.json_response(error.payload(), status=error.error_code)

    @staticmethod
    async def _read_params(request: web.Request) -> JSON:
        params: JSON = {
            name: _decode_form_value(name, value) for name, value in request.query.items()
        }
        if request.content_type == "application/json":
            body = await request.read()
            try:
                data = json.loads(body) if body.strip() else {}
            except ValueError:
                raise _bad_request("can't parse JSON object") from None
            if not isinstance(data, dict):
                raise _bad_request("JSON object expected")
            params.update(data)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    params[name] = UploadedFile(
                        name, value.filename, value.file.read(), value.content_type
                    )
                else:
                    text = value.decode() if isinstance(value, bytes | bytearray) else value
                    params[name] = _decode_form_value(name, text)
        for name, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                attached = params.get(value.removeprefix("attach://"))
                if isinstance(attached, UploadedFile):
                    params[name] = attached
        return params

    # ------------------------------------------------------------------ internals: methods

    async def _get_updates(self, params: JSON) -> list[JSON]:
        offset = _int_param(params, "offset", 0)
        limit = min(max(_int_param(params, "limit", 100), 1), 100)
        wait = min(max(float(_int_param(params, "timeout", 0)), 0.0), MAX_POLL_WAIT)
        with self._lock:
            if self._state.webhook is not None:
                raise BotApiError(409, WEBHOOK_CONFLICT)
            pending = self._state.pending
            if offset > 0:
                pending[:] = [u for u in pending if u["update_id"] >= offset]
            elif offset < 0:
                pending[:] = pending[offset:]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        event = self._update_event
        while True:
            with self._lock:
                batch = copy.deepcopy(self._state.pending[:limit])
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._closing or event is None:
                return batch
            event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def _get_me(self, params: JSON) -> JSON:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _send_message(self, params: JSON) -> JSON:
        chat_id = _chat_key(params)
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _bad_request("message text is empty")
        if len(text) > MAX_TEXT:
            raise _bad_request("message is too long")
        message = self._new_bot_message(chat_id, params, {"text": text})
        self._record_sent("sendMessage", params, message, None)
        return copy.deepcopy(message)

    def _check_caption(self, params: JSON) -> JSON:
        caption = params.get("caption")
        if caption is None or caption == "":
            return {}
        if len(str(caption)) > MAX_CAPTION:
            raise _bad_request("message caption is too long")
        return {"caption": str(caption)}

    def _send_photo(self, params: JSON) -> JSON:
        chat_id = _chat_key(params)
        content = self._check_caption(params)
        file_id, upload = self._store_upload(params.get("photo"), "photo")
        size = len(upload.content) if upload else 0
        content["photo"] = [
            {"file_id": file_id, "file_unique_id": f"u-{file_id}", "width": 90, "height": 90},
            {
                "file_id": file_id,
                "file_unique_id": f"u-{file_id}",
                "width": 800,
                "height": 800,
                "file_size": size,
            },
        ]
        message = self._new_bot_message(chat_id, params, content)
        self._record_sent("sendPhoto", params, message, upload)
        return copy.deepcopy(message)

    def _send_document(self, params: JSON) -> JSON:
        chat_id = _chat_key(params)
        content = self._check_caption(params)
        file_id, upload = self._store_upload(params.get("document"), "document")
        document: JSON = {"file_id": file_id, "file_unique_id": f"u-{file_id}"}
        if upload is not None:
            document.update(
                file_name=upload.filename,
                mime_type=upload.content_type,
                file_size=len(upload.content),
            )
        content["document"] = document
        message = self._new_bot_message(chat_id, params, content)
        self._record_sent("sendDocument", params, message, upload)
        return copy.deepcopy(message)

    def _message_to_edit(self, params: JSON) -> JSON:
        chat_id = _chat_key(params)
        message = self._state.messages.get((chat_id, params.get("message_id")))
        if message is None:
            raise _bad_request("message to edit not found")
        if not message["from"].get("is_bot"):
            raise _bad_request("message can't be edited")
        return message

    def _apply_edit(self, method: str, params: JSON, change: Callable[[JSON], None]) -> Any:
        """Edit a bot message: ``change`` updates a copy; refuse edits that change nothing."""
        if params.get("inline_message_id") is not None:
            self.edits.append({**params, "method": method, "message": None})
            return True
        message = self._message_to_edit(params)
        edited = copy.deepcopy(message)
        change(edited)
        markup = _inline_markup(params.get("reply_markup"))
        if markup is None:
            edited.pop("reply_markup", None)
        else:
            edited["reply_markup"] = markup
        if edited == message:
            raise _bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        edited["edit_date"] = int(time.time())
        self._state.messages[edited["chat"]["id"], edited["message_id"]] = edited
        self.edits.append({**params, "method": method, "message": copy.deepcopy(edited)})
        return copy.deepcopy(edited)

    def _edit_message_text(self, params: JSON) -> Any:
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _bad_request("message text is empty")
        if len(text) > MAX_TEXT:
            raise _bad_request("MESSAGE_TOO_LONG")

        def change(message: JSON) -> None:
            if "text" not in message:
                raise _bad_request("there is no text in the message to edit")
            message["text"] = text

        return self._apply_edit("editMessageText", params, change)

    def _edit_message_caption(self, params: JSON) -> Any:
        caption = self._check_caption(params)

        def change(message: JSON) -> None:
            if "text" in message:
                raise _bad_request("there is no caption in the message to edit")
            message.pop("caption", None)
            message.update(caption)

        return self._apply_edit("editMessageCaption", params, change)

    def _edit_message_reply_markup(self, params: JSON) -> Any:
        return self._apply_edit("editMessageReplyMarkup", params, lambda message: None)

    def _delete_message(self, params: JSON) -> bool:
        chat_id = _chat_key(params)
        if self._state.messages.pop((chat_id, params.get("message_id")), None) is None:
            raise _bad_request("message to delete not found")
        self.deleted.append(params)
        return True

    def _answer_callback_query(self, params: JSON) -> bool:
        query_id = params.get("callback_query_id")
        if self._state.open_callbacks.pop(str(query_id), None) is None:
            raise _bad_request(QUERY_TOO_OLD.removeprefix("Bad Request: "))
        self.answered_callbacks.append(params)
        return True

    def _send_chat_action(self, params: JSON) -> bool:
        _chat_key(params)
        if not params.get("action"):
            raise _bad_request("action is empty")
        return True

    def _set_my_commands(self, params: JSON) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        self._state.commands[key] = commands
        return True

    def _get_my_commands(self, params: JSON) -> list[JSON]:
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        return copy.deepcopy(self._state.commands.get(key, []))

    def _delete_my_commands(self, params: JSON) -> bool:
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        self._state.commands.pop(key, None)
        return True

    def _set_webhook(self, params: JSON) -> bool:
        url = params.get("url")
        if not url:  # Telegram: an empty url removes the webhook
            self._state.webhook = None
            return True
        if params.get("drop_pending_updates"):
            self._state.pending.clear()
        self._state.webhook = {
            name: value for name, value in params.items() if not isinstance(value, UploadedFile)
        }
        return True

    def _delete_webhook(self, params: JSON) -> bool:
        self._state.webhook = None
        if params.get("drop_pending_updates"):
            self._state.pending.clear()
        return True

    def _get_webhook_info(self, params: JSON) -> JSON:
        webhook = self._state.webhook or {}
        info: JSON = {
            "url": webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._state.pending),
        }
        for name in ("max_connections", "allowed_updates", "ip_address"):
            if name in webhook:
                info[name] = webhook[name]
        return info

    def _get_file(self, params: JSON) -> JSON:
        file_id = str(params.get("file_id"))
        upload = self._state.files.get(file_id)
        if upload is None:
            raise _bad_request("invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_size": len(upload.content),
            "file_path": f"files/{file_id}",
        }


class FakeBotApiThread:
    """A :class:`FakeBotApi` on its own event loop in a daemon thread, for synchronous tests.

    Use it as a context manager::

        with FakeBotApiThread() as fake:
            bot = telegram.Bot(fake.token, base_url=fake.base_url)
            fake.user_says(42, "hello")
            ...
            fake.wait_for(lambda api: api.sent(42))

    Every recording method of the underlying server is reachable through :attr:`api`; the
    common ones are repeated here.
    """

    def __init__(
        self, token: str = "123456:TEST-token", bot_username: str = "trustcoach_test_bot"
    ) -> None:
        self.api = FakeBotApi(token, bot_username)
        """The server itself (its recording methods are thread-safe)."""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the loop thread and the server on it."""
        if self._thread is not None:
            raise RuntimeError("FakeBotApiThread is already started")
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(
            target=self._serve, args=(loop,), name="fake-telegram", daemon=True
        )
        self._thread.start()
        self.run(self.api.start())

    def stop(self) -> None:
        """Stop the server, then the loop, and join the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            self.run(self.api.stop())
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            self._loop = None
            self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @staticmethod
    def _serve(loop: asyncio.AbstractEventLoop) -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
        finally:
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        """Run a coroutine on the server's loop and return its result."""
        if self._loop is None:
            coro.close()
            raise RuntimeError("FakeBotApiThread is not started")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    @property
    def token(self) -> str:
        """The bot token the server accepts."""
        return self.api.token

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/bot``."""
        return self.api.base_url

    @property
    def base_file_url(self) -> str:
        """``http://127.0.0.1:PORT/file/bot``."""
        return self.api.base_file_url

    @property
    def calls(self) -> list[tuple[str, JSON]]:
        """See :attr:`FakeBotApi.calls`."""
        return self.api.calls

    @property
    def edits(self) -> list[JSON]:
        """See :attr:`FakeBotApi.edits`."""
        return self.api.edits

    @property
    def answered_callbacks(self) -> list[JSON]:
        """See :attr:`FakeBotApi.answered_callbacks`."""
        return self.api.answered_callbacks

    def user_says(self, user_id: int, text: str, **kwargs: Any) -> int:
        """See :meth:`FakeBotApi.user_says`."""
        return self.api.user_says(user_id, text, **kwargs)

    def user_presses(self, user_id: int, message_id: int, data: str, **kwargs: Any) -> int:
        """See :meth:`FakeBotApi.user_presses`."""
        return self.api.user_presses(user_id, message_id, data, **kwargs)

    def sent(self, chat_id: int | str | None = None) -> list[JSON]:
        """See :meth:`FakeBotApi.sent`."""
        return self.api.sent(chat_id)

    def fail_next(self, method: str, error_code: int = 429, retry_after: int = 1) -> None:
        """See :meth:`FakeBotApi.fail_next`."""
        self.api.fail_next(method, error_code, retry_after)

    def wait_for(self, predicate: Predicate, timeout: float = 10.0) -> Any:
        """Block until ``predicate(api)`` is truthy and return its value (``TimeoutError``)."""
        deadline = time.monotonic() + timeout
        while True:
            with self.api._lock:
                value = predicate(self.api)
            if value:
                return value
            if time.monotonic() >= deadline:
                raise TimeoutError(self.api._timeout_message(timeout))
            time.sleep(0.01)

    def post_update(self, url: str, update: JSON, secret_token: str | None = None) -> int:
        """See :meth:`FakeBotApi.post_update` (blocking)."""
        return self.run(self.api.post_update(url, update, secret_token))
