"""`trustcoach user export` and `trustcoach user delete`, run as separate processes."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from bot.adapters.db.models import AnswerRow, UserRow
from tests.e2e.conftest import CliRunner, stored


def test_an_operator_exports_then_erases_a_person(cli: CliRunner, tmp_path: Path) -> None:
    chat = cli(
        ["chat", "--user", "ana", "--lang", "fr", "--role", "buyer"], "/check\n" + "4\n" * 10
    )
    assert chat.returncode == 0, chat.stderr
    exported = cli(["user", "export", "terminal:ana", "--out", str(tmp_path / "out")])
    assert exported.returncode == 0, exported.stderr
    files = sorted((tmp_path / "out").iterdir())
    assert [f.suffix for f in files] == [".json", ".md"]
    data = json.loads(files[0].read_text(encoding="utf-8"))
    assert len(data["tables"]["assessment_answers"]) == 10
    assert "Résultats" in files[1].read_text(encoding="utf-8")
    refused = cli(["user", "delete", "terminal:ana"])
    assert refused.returncode == 2  # no --yes: nothing erased
    with stored(tmp_path) as session:
        assert session.scalar(select(func.count()).select_from(AnswerRow)) == 10
    erased = cli(["user", "delete", "terminal:ana", "--yes"])
    assert erased.returncode == 0 and "assessment_answers 10" in erased.stdout
    with stored(tmp_path) as session:
        assert session.scalars(select(UserRow.external_id)).all() == []
        assert session.scalar(select(func.count()).select_from(AnswerRow)) == 0
    assert cli(["user", "export", "terminal:ana"]).returncode == 1  # nobody left to export


def test_an_encrypted_database_needs_its_key_to_start(cli: CliRunner, tmp_path: Path) -> None:
    key = cli(["db", "new-key"]).stdout.strip()
    chat = cli(
        ["chat", "--user", "ana", "--lang", "en", "--role", "buyer"],
        "my supplier Quintessa raises prices by 12% tomorrow\n",
        TRUSTCOACH_ENCRYPTION_KEY=key,
    )
    assert chat.returncode == 0, chat.stderr
    files = [tmp_path / name for name in ("trustcoach.db", "trustcoach.db-wal")]
    assert all(b"Quintessa" not in f.read_bytes() for f in files if f.exists())
    refused = cli(["chat", "--user", "ana"], "/help\n")
    assert refused.returncode != 0 and "TRUSTCOACH_ENCRYPTION_KEY" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert cli(["db", "current"], TRUSTCOACH_ENCRYPTION_KEY=key).returncode == 0
