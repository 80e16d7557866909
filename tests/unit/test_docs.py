"""The documentation stays in step with the code."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_layout_picture_is_what_the_code_draws() -> None:
    spec = importlib.util.spec_from_file_location("layout", ROOT / "docs" / "layout.py")
    assert spec is not None and spec.loader is not None
    layout = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(layout)
    assert layout.main(["--check"]) == 0, "run: python docs/layout.py"


def test_the_architecture_notes_name_every_feature_folder() -> None:
    notes = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    services = ROOT / "bot" / "services"
    for folder in sorted(p for p in services.iterdir() if (p / "__init__.py").exists()):
        assert f"{folder.name}/" in notes, folder.name
