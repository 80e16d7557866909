"""Settings: embedded defaults, environment overrides, and bad values named clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("DATA_DIR", "DATABASE_URL", "DEFAULT_LANGUAGE", "KNOWLEDGE_DIR", "PROMPTS_DIR"):
        monkeypatch.delenv(f"TRUSTCOACH_{name}", raising=False)


def test_defaults_put_sqlite_in_the_users_data_folder() -> None:
    settings = load_settings()
    assert settings.default_language == "en"
    assert settings.sqlalchemy_url == f"sqlite:///{settings.data_dir / 'trustcoach.db'}"
    assert "trustcoach" in str(settings.data_dir)


def test_environment_and_dotenv_override_defaults(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("TRUSTCOACH_DEFAULT_LANGUAGE=fr\n")
    monkeypatch.setenv("TRUSTCOACH_DATABASE_URL", "postgresql+psycopg://me@db/coach")
    settings = load_settings()
    assert settings.default_language == "fr"
    assert settings.sqlalchemy_url == "postgresql+psycopg://me@db/coach"


def test_a_bad_language_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUSTCOACH_DEFAULT_LANGUAGE", "de")
    with pytest.raises(ConfigError, match=r"^TRUSTCOACH_DEFAULT_LANGUAGE: .*'de'"):
        load_settings()


def test_an_unknown_database_scheme_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUSTCOACH_DATABASE_URL", "mysql://x")
    with pytest.raises(ConfigError, match=r"^TRUSTCOACH_DATABASE_URL: must be a sqlite"):
        load_settings()


def test_a_missing_knowledge_folder_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TRUSTCOACH_KNOWLEDGE_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(ConfigError, match=r"^TRUSTCOACH_KNOWLEDGE_DIR: folder .* does not exist"):
        load_settings()


def test_the_trainer_list_is_read_from_one_comma_separated_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load_settings().trainer_allowlist is None  # anyone may train by default
    monkeypatch.setenv("TRUSTCOACH_TRAINERS", " telegram:12345, terminal:claire ,")
    assert load_settings().trainer_allowlist == frozenset({"telegram:12345", "terminal:claire"})


def test_a_reminder_interval_of_zero_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUSTCOACH_REMINDER_INTERVAL", "0")
    with pytest.raises(ConfigError, match="TRUSTCOACH_REMINDER_INTERVAL"):
        load_settings()
