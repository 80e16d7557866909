"""Every `--help` of the command line: it works, shows a true example, and prints no `%%`."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import build_parser, main
from bot.config import Settings, load_settings
from tests.e2e.cli_tree import command_parsers, examples

PARSERS = command_parsers(build_parser())


def _name(path: tuple[str, ...]) -> str:
    return " ".join(("trustcoach", *path))


@pytest.mark.parametrize("path", [path for path, _ in PARSERS], ids=_name)
def test_every_help_exits_0_with_an_example_of_that_command(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*path, "--help"])
    shown = capsys.readouterr().out
    assert exit_.value.code == 0
    assert shown.startswith(f"usage: {_name(path)}")
    assert "example:" in shown or "examples:" in shown
    assert any(_name(path) in line for line in shown.splitlines() if line.startswith("  "))
    assert "%%" not in shown and "%(" not in shown


def test_the_search_example_shows_a_single_percent_sign(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["search", "--help"])
    assert 'trustcoach search "supplier wants +8%" --role buyer' in capsys.readouterr().out


def _split(example: str) -> tuple[dict[str, str], list[str]]:
    """The settings an example sets before the command, and the command's arguments."""
    words = shlex.split(example)
    settings: dict[str, str] = {}
    while "=" in words[0]:
        name, _, value = words.pop(0).partition("=")
        settings[name] = value
    if "<" in words:  # a shell redirection, not an argument
        words = words[: words.index("<")]
    return settings, words


def _load(settings: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    return load_settings(data_dir=tmp_path)


@pytest.mark.parametrize(
    ("path", "example"),
    [(path, example) for path, parser in PARSERS for example in examples(parser)],
    ids=lambda value: value if isinstance(value, str) else _name(value),
)
def test_every_example_parses_and_its_settings_are_valid(
    path: tuple[str, ...], example: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings, words = _split(example)
    assert words[0] == "trustcoach"
    assert words[1 : 1 + len(path)] == list(path), example
    assert build_parser().parse_args(words[1:]).handler is not None, example
    _load(settings, monkeypatch, tmp_path)


def test_the_telegram_examples_set_everything_their_command_requires(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (polling,) = examples(dict(PARSERS)[("telegram",)])
    assert _load(_split(polling)[0], monkeypatch, tmp_path).telegram_token is not None
    (webhook,) = examples(dict(PARSERS)[("webhook",)])
    settings = _load(_split(webhook)[0], monkeypatch, tmp_path)
    assert settings.telegram_token is not None and settings.webhook_secret is not None
    assert settings.webhook_url is not None and settings.webhook_url.startswith("https://")


def test_help_imports_no_heavy_library() -> None:
    probe = (
        "import sys\n"
        "from bot.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = {'torch', 'telegram', 'sqlalchemy', 'numpy', 'pydantic', 'bot.bootstrap'}\n"
        "print(sorted(heavy & set(sys.modules)), file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stderr.strip() == "[]"


def test_a_group_without_its_action_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["db"])
    assert exit_.value.code == 2 and "required: ACTION" in capsys.readouterr().err


def test_no_command_prints_the_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert capsys.readouterr().out.startswith("usage: trustcoach")


def test_the_walk_reaches_every_depth() -> None:
    paths = {path for path, _ in PARSERS}
    assert {("db", "upgrade"), ("eval", "emotions"), ("cohort", "export"), ("kb", "check")} <= paths
