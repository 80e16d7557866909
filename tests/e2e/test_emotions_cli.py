"""`trustcoach analyze`, `eval emotions` and a meeting preparation in `trustcoach chat`."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import CliRunner


def test_analyze_prints_the_documented_json(cli: CliRunner) -> None:
    result = cli(["analyze", "3e retard de livraison ce mois-ci, je suis furieux !!!", "--json"])
    assert result.returncode == 0, result.stderr
    reading = json.loads(result.stdout)
    assert reading["lang"] == "fr" and reading["primary_emotion"] == "anger"
    assert reading["intensity"] == "high" and reading["situations"] == ["late-delivery"]
    assert reading["emotions"][0] == {"label": "anger", "score": reading["emotions"][0]["score"]}


def test_analyze_reads_one_message_per_line(cli: CliRunner) -> None:
    result = cli(["analyze"], "I'm dreading tomorrow's meeting\nhow do I prepare an RFQ?\n")
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("[en] anxiety") and lines[1].startswith("[en] neutral")


def test_eval_emotions_prints_accuracy_macro_f1_and_the_confusion_table(cli: CliRunner) -> None:
    result = cli(["eval", "emotions"])
    assert result.returncode == 0, result.stderr
    assert "en: 120 messages, accuracy" in result.stdout and "fr: 120 messages" in result.stdout
    assert "macro-F1" in result.stdout and "expected \\ read" in result.stdout
    assert "ms per message" in result.stdout


def test_a_meeting_is_prepared_in_the_terminal_and_the_sheet_saved(
    cli: CliRunner, tmp_path: Path
) -> None:
    script = "\n".join(
        [
            "/prepare",
            "1",  # a price increase
            "Keep the 2027 prices; they need to cover energy",
            "3",  # anxious
            "They need visibility; they fear losing us",
            "Second source ready in March",
            "0",  # skip the first minute
        ]
    )
    result = cli(["chat", "--user", "ana", "--lang", "en", "--role", "buyer"], script + "\n")
    assert result.returncode == 0, result.stderr
    assert "Step 6/6" in result.stdout and "Your preparation is ready" in result.stdout
    sheets = list((tmp_path / "sheets").glob("ana-preparation-*.md"))  # each user's own files
    assert len(sheets) == 1
    sheet = sheets[0].read_text(encoding="utf-8")
    assert (
        "# Preparation sheet: A price increase" in sheet and "Second source ready in March" in sheet
    )
