"""pyproject.toml lists every package: setuptools' `find` cannot map the content folders."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ["knowledge", "prompts"]


def _setuptools() -> dict[str, object]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return dict(config["tool"]["setuptools"])


def _code_packages() -> set[str]:
    folders = {path.parent for path in (ROOT / "bot").rglob("*.py")}
    return {".".join(folder.relative_to(ROOT).parts) for folder in folders}


def _content_packages() -> set[str]:
    # Folders with names Python could import count as packages for setuptools; the others
    # (cards/altruism-justice) are plain data inside them.
    found = set()
    for name in CONTENT:
        for folder in [ROOT / name, *(p for p in (ROOT / name).rglob("*") if p.is_dir())]:
            parts = folder.relative_to(ROOT).parts
            if all(part.isidentifier() for part in parts):
                found.add(".".join(("bot", *parts)))
    return found


def test_every_folder_of_bot_and_of_the_content_is_a_listed_package() -> None:
    listed = set(_setuptools()["packages"])  # type: ignore[call-overload]
    expected = _code_packages() | _content_packages()
    missing = sorted(expected - listed)
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {missing}"
    stale = sorted(listed - expected)
    assert not stale, f"remove from [tool.setuptools] packages in pyproject.toml: {stale}"
