"""Trainers and trainees in the terminal, and `trustcoach cohort`, run as separate processes."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from PIL import Image as PilImage

from tests.e2e.conftest import CliRunner

CODE = re.compile(r"\b[A-Z2-9]{12}\b")


def _assert_chart(path: Path) -> None:
    with PilImage.open(path) as picture:
        assert picture.format == "PNG" and picture.width >= 600
        assert len(picture.convert("RGB").getcolors(maxcolors=1 << 20) or []) > 20


def test_a_cohort_from_the_terminal_to_the_csv_export(cli: CliRunner, tmp_path: Path) -> None:
    created = cli(
        ["chat", "--user", "tom", "--lang", "en", "--role", "trainer"],
        "/trainer\nTom\nn\nBuyers 2027\n",
    )
    assert created.returncode == 0, created.stderr
    code = CODE.search(created.stdout)
    assert code is not None, created.stdout
    for number, name in enumerate(("ana", "ben", "cyd")):
        answers = f"/join {code.group(0)}\n1\n{name.title()}\n/check\n" + f"{2 + number}\n" * 10
        joined = cli(["chat", "--user", name, "--lang", "en", "--role", "buyer"], answers)
        assert "Welcome to «Buyers 2027»" in joined.stdout, joined.stdout[-2000:]
        assert "Picture saved" in joined.stdout  # the result's radar chart
    _assert_chart(tmp_path / "images" / "registers.png")

    report = cli(["chat", "--user", "tom"], "/trainer\n1\n2\n")
    assert "3 have a self-check result" in report.stdout and "Average per register" in report.stdout
    _assert_chart(next((tmp_path / "images").glob("cohort-*.png")))

    listed = cli(["cohort", "list"])
    assert "Buyers 2027\tTom\t3 trainees\topen" in listed.stdout
    out = tmp_path / "buyers.csv"
    exported = cli(["cohort", "export", code.group(0), "--out", str(out)])
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [row["trainee"] for row in rows] == ["Ana", "Ben", "Cyd"]
    assert all(row["altruism"].isdigit() for row in rows)
    missing = cli(["cohort", "export", "ZZZZZZZZZZZZ"])
    assert missing.returncode == 1 and "no cohort" in missing.stderr
