"""Settings from TRUSTCOACH_* environment variables and an optional .env file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
ENV_PREFIX = "TRUSTCOACH_"
TOKEN_SHAPE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{5,}$")


def content_folder(name: str) -> Path:
    """A content folder (knowledge, prompts): the wheel's copy in the package, else the repo's."""
    # A wheel ships the top-level folders as bot/knowledge and bot/prompts (pyproject's
    # package-dir); a source checkout or an editable install has them beside bot/.
    packaged = PACKAGE_DIR / name
    return packaged if packaged.is_dir() else PROJECT_ROOT / name


class ConfigError(ValueError):
    """A setting has a bad value; the message names the variable."""


class Settings(BaseSettings):
    """Every setting of the coach, with embedded defaults that work offline on a fresh machine."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )

    data_dir: Path = Field(
        default_factory=lambda: Path(user_data_dir("trustcoach", appauthor=False)),
        description="Folder for the SQLite database and caches.",
    )
    cache_dir: Path | None = Field(
        default=None,
        description="Folder for the card index cache; data_dir/cache if unset.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL (postgresql+psycopg://user@host/db); SQLite if unset.",
    )
    default_language: Literal["en", "fr"] = Field(
        default="en", description="Language for users whose channel does not say."
    )
    embeddings: Literal["use", "sentence-transformers"] = Field(
        default="use",
        description="Sentence encoder: multilingual USE (numpy), or sentence-transformers (st).",
    )
    model_path: str | None = Field(
        default=None,
        description="sentence-transformers model folder or name; packaged MiniLM if unset.",
    )
    knowledge_dir: Path = Field(default=content_folder("knowledge"), description="Content folder.")
    prompts_dir: Path = Field(
        default=content_folder("prompts"), description="Message templates folder."
    )
    telegram_token: SecretStr | None = Field(default=None, description="Bot token from BotFather.")
    telegram_api_url: str = Field(
        default="https://api.telegram.org/bot",
        description="Bot API base URL, PTB's base_url form (the token follows it).",
    )
    telegram_max_rate: float = Field(
        default=30.0,
        ge=0,
        description="Messages per second to all chats (Telegram's limit); 0 lifts the cap.",
    )
    trainers: str | None = Field(
        default=None,
        description="Who may use /trainer, as channel:id separated by commas; anyone if unset.",
    )
    reminder_interval: float = Field(
        default=60.0, gt=0, description="Seconds between two looks for due reminders (Telegram)."
    )
    webhook_url: str | None = Field(default=None, description="Public HTTPS URL Telegram posts to.")
    webhook_listen: str = Field(
        default="127.0.0.1", description="Address the webhook server binds."
    )
    webhook_port: int = Field(
        default=8443, ge=1, le=65535, description="Port of the webhook server."
    )
    webhook_path: str = Field(default="telegram", description="Path of the webhook endpoint.")
    webhook_secret: SecretStr | None = Field(
        default=None, description="Secret Telegram sends in X-Telegram-Bot-Api-Secret-Token."
    )
    db_connect_timeout: float = Field(
        default=5.0, gt=0, le=300, description="Seconds to wait for a database connection."
    )
    db_statement_timeout: float = Field(
        default=15.0, gt=0, le=3600, description="Seconds one SQL statement may run (PostgreSQL)."
    )
    db_lock_timeout: float = Field(
        default=10.0, gt=0, le=3600, description="Seconds to wait for a lock held by another."
    )
    db_pool_size: int = Field(
        default=5, ge=1, le=200, description="PostgreSQL connections each process keeps open."
    )
    db_max_overflow: int = Field(
        default=5, ge=0, le=200, description="Extra PostgreSQL connections allowed in a burst."
    )
    db_pool_timeout: float = Field(
        default=10.0, gt=0, le=600, description="Seconds to wait for a free pooled connection."
    )
    db_pool_recycle: float = Field(
        default=1800.0, gt=0, le=86400, description="Seconds before a connection is renewed."
    )
    encryption_key: SecretStr | None = Field(
        default=None,
        description="Fernet keys, comma-separated, encrypting free text at rest (first encrypts).",
    )
    retention_free_text_days: int = Field(
        default=365,
        ge=1,
        le=36500,
        description="Days what people wrote (notes, reflections) is kept before it is cleared.",
    )
    retention_abandoned_days: int = Field(
        default=30, ge=1, le=36500, description="Days an unfinished self-check is kept."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(default="WARNING")
    log_personal_data: bool = Field(
        default=False,
        description="Let message texts and names into logs (debugging only; off in production).",
    )

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must be a sqlite:// or postgresql+psycopg:// URL")
        return value or None

    @field_validator("telegram_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not TOKEN_SHAPE.match(value.get_secret_value()):
            raise ValueError("does not look like a BotFather token (digits, a colon, then letters)")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram accepts 1-256 characters of A-Z, a-z, 0-9, _ and -.
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()
        ):
            raise ValueError("must be 1-256 characters among A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://, e.g. http://127.0.0.1:8081/bot")
        return value.rstrip("/")

    @property
    def telegram_file_url(self) -> str:
        """The Bot API file URL, derived from the API URL (…/bot → …/file/bot)."""
        root, _, last = self.telegram_api_url.rpartition("/")
        return f"{root}/file/{last}"

    @field_validator("knowledge_dir", "prompts_dir")
    @classmethod
    def _existing_folder(cls, value: Path) -> Path:
        if not value.is_dir():
            raise ValueError(f"folder {value} does not exist")
        return value

    @property
    def cache_root(self) -> Path:
        """Folder for rebuildable files such as the card index."""
        return self.cache_dir or self.data_dir / "cache"

    @property
    def trainer_allowlist(self) -> frozenset[str] | None:
        """The users allowed to act as trainers ("telegram:12345"), or None for anyone."""
        if self.trainers is None or not self.trainers.strip():
            return None
        return frozenset(item.strip() for item in self.trainers.split(",") if item.strip())

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL to connect to: the configured one or SQLite in the data folder."""
        return self.database_url or f"sqlite:///{self.data_dir / 'trustcoach.db'}"


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning a validation error into one line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        given = first.get("input")
        secret = any(word in field for word in ("token", "secret", "key", "password"))
        shown = f" (got {given!r})" if isinstance(given, str | int | float) and not secret else ""
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{ENV_PREFIX}{field.upper()}: {message}{shown}") from error
