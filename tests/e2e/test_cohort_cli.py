"""Trainers and trainees in the terminal, and `trustcoach cohort`, run as separate processes.

Assertions are on exit statuses, the database the runs leave, the files written (charts, CSV)
and the operator's tab-separated list, not on the coach's wording.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from PIL import Image as PilImage
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.db.models import CohortRow, MembershipRow, ResultRow, TrainerRow, UserRow
from tests.e2e.conftest import CliRunner, stored


def _assert_chart(path: Path) -> None:
    with PilImage.open(path) as picture:
        assert picture.format == "PNG" and picture.width >= 600
        assert len(picture.convert("RGB").getcolors(maxcolors=1 << 20) or []) > 20


def _user_id(session: Session, name: str) -> int:
    return session.scalars(select(UserRow.id).where(UserRow.external_id == name)).one()


def test_a_cohort_from_the_terminal_to_the_csv_export(cli: CliRunner, tmp_path: Path) -> None:
    created = cli(
        ["chat", "--user", "tom", "--lang", "en", "--role", "trainer"],
        "/trainer\nTom\nn\nBuyers 2027\n",
    )
    assert created.returncode == 0, created.stderr
    with stored(tmp_path) as session:
        (cohort,) = session.scalars(select(CohortRow))
        (trainer,) = session.scalars(select(TrainerRow))
        assert (cohort.name, cohort.trainer_id) == ("Buyers 2027", _user_id(session, "tom"))
        assert (trainer.user_id, trainer.display_name) == (cohort.trainer_id, "Tom")
        code, cohort_id = cohort.code, cohort.id
    assert code is not None and code in created.stdout  # the code to share is shown
    for number, name in enumerate(("ana", "ben", "cyd")):
        answers = f"/join {code}\n1\n{name.title()}\n/check\n" + f"{2 + number}\n" * 10
        radar = tmp_path / "images" / f"{name}-registers.png"  # each trainee's own picture
        joined = cli(["chat", "--user", name, "--lang", "en", "--role", "buyer"], answers)
        assert joined.returncode == 0, joined.stderr
        assert "Traceback" not in joined.stdout + joined.stderr
        with stored(tmp_path) as session:
            trainee = _user_id(session, name)
            (membership,) = session.scalars(
                select(MembershipRow).where(MembershipRow.user_id == trainee)
            )
            assert (membership.cohort_id, membership.display_name) == (cohort_id, name.title())
            assert membership.left_at is None
            assert (
                len(session.scalars(select(ResultRow).where(ResultRow.user_id == trainee)).all())
                == 1
            )
        _assert_chart(radar)  # the result's radar chart, saved for this trainee
        assert str(radar) in joined.stdout

    report = cli(["chat", "--user", "tom"], "/trainer\n1\n2\n")
    assert report.returncode == 0, report.stderr
    # With three trainees who have a result, the report comes with the cohort's chart.
    chart = tmp_path / "images" / f"tom-cohort-{cohort_id}.png"
    _assert_chart(chart)
    assert str(chart) in report.stdout

    listed = cli(["cohort", "list"])
    assert listed.returncode == 0, listed.stderr
    (line,) = listed.stdout.splitlines()
    shown_id, name, trainer_name, trainees, state = line.split("\t")
    assert (int(shown_id), name, trainer_name) == (cohort_id, "Buyers 2027", "Tom")
    assert trainees.split()[0] == "3" and state == "open"
    out = tmp_path / "buyers.csv"
    exported = cli(["cohort", "export", code, "--out", str(out)])
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [row["trainee"] for row in rows] == ["Ana", "Ben", "Cyd"]
    assert all("altruism" not in row for row in rows)  # no one's scores alone, as consented
    missing = cli(["cohort", "export", "ZZZZZZZZZZZZ"])
    assert missing.returncode == 1 and "ZZZZZZZZZZZZ" in missing.stderr  # names what it lacks
    assert missing.stdout == "" and "Traceback" not in missing.stderr
