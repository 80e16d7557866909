"""The wheel carries its content and migrations, and starts in a fresh environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["bot", "knowledge", "prompts", "pyproject.toml", "README.md"]
CONTENT = ["knowledge", "prompts"]

VenvRunner = Callable[..., subprocess.CompletedProcess[str]]


def _run(command: list[str | Path], **options: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        **options,
    )


def _ok(command: list[str | Path], **options: Any) -> str:
    result = _run(command, **options)
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built offline from a copy of the sources, so that the build leaves the repo alone."""
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    pip = [sys.executable, "-m", "pip"]
    _ok([*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", dist, source])
    (built,) = dist.glob("trustcoach-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment with the wheel installed and .venv's dependencies reachable."""
    folder = tmp_path_factory.mktemp("venv")
    _ok([sys.executable, "-m", "venv", "--without-pip", folder])
    python = folder / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", python]
    _ok([*pip, "install", "--no-deps", "--no-index", wheel])
    # Written after the install, so that pip never sees the project's editable install. A folder
    # named in a .pth file is only appended to sys.path; the .pth files inside it (among them the
    # editable finder that maps `bot` to the repository) are not run.
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(_ok([python, "-c", purelib]).strip())
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return folder


@pytest.fixture
def run_in_venv(venv: Path, tmp_path: Path) -> VenvRunner:
    """Run the venv's python in an empty folder, with its own data folder and no TRUSTCOACH_*."""

    def run(args: list[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
        inherited = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("TRUSTCOACH_") and key != "PYTHONPATH"
        }
        (tmp_path / "work").mkdir(exist_ok=True)
        environment = {**inherited, "TRUSTCOACH_DATA_DIR": str(tmp_path / "data")}
        return _run(
            [venv / "bin" / "python", *args],
            input=stdin,
            env=environment,
            cwd=tmp_path / "work",
        )

    return run


def test_the_wheel_carries_the_content_and_the_migrations(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in CONTENT:
        shipped = {
            f"bot/{path.relative_to(ROOT).as_posix()}"
            for path in (ROOT / folder).rglob("*")
            if path.suffix in {".md", ".yaml"}
        }
        assert shipped and shipped <= names, sorted(shipped - names)[:5]
    assert (
        len([n for n in names if n.startswith("bot/knowledge/cards/") and n.endswith(".md")]) >= 100
    )
    assert {"bot/knowledge/framework.yaml", "bot/knowledge/lexicon.yaml"} <= names
    assert {"bot/prompts/en.yaml", "bot/prompts/fr.yaml"} <= names
    migrations = ROOT / "bot" / "adapters" / "db" / "migrations"
    for path in [
        *migrations.glob("*.py"),
        *migrations.glob("versions/*.py"),
        migrations / "script.py.mako",
    ]:
        assert f"bot/{path.relative_to(ROOT / 'bot').as_posix()}" in names, path
    assert not [n for n in names if n.split("/")[0] in CONTENT], "content outside the package"
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA")))
    assert b"License-Expression: LicenseRef-Proprietary" in metadata


def test_the_installed_wheel_uses_its_own_code_and_content(
    venv: Path, run_in_venv: VenvRunner
) -> None:
    probe = (
        "import bot, sys\n"
        "from bot.config import Settings\n"
        "settings = Settings()\n"
        "print(bot.__file__, settings.knowledge_dir, settings.prompts_dir, sep='\\n')\n"
    )
    result = run_in_venv(["-c", probe])
    assert result.returncode == 0, result.stderr
    paths = [Path(line) for line in result.stdout.splitlines()]
    assert len(paths) == 3
    for path in paths:
        assert path.is_relative_to(venv) and not path.is_relative_to(ROOT), path


def test_the_installed_wheel_checks_its_cards(run_in_venv: VenvRunner) -> None:
    result = run_in_venv(["-m", "bot", "kb", "check"])
    assert result.returncode == 0, result.stderr
    assert "valid cards. OK" in result.stdout


def test_the_installed_wheel_chats(run_in_venv: VenvRunner) -> None:
    result = run_in_venv(
        ["-m", "bot", "chat", "--user", "t", "--lang", "en", "--role", "buyer"], "/help\n"
    )
    assert result.returncode == 0, result.stderr
    assert "Hello, I'm TrustCoach" in result.stdout and "/check" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
