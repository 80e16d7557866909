"""A person's whole journey exported, then erased: nothing of them is left, in any table.

The walk covers every table of the schema, so a new table cannot be forgotten; it runs on
SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import Engine, String, Text, select
from sqlalchemy.types import JSON

from bot.adapters.db import database, personal
from bot.adapters.db.crypto import SecretJSON, SecretText
from bot.adapters.db.models import Base
from bot.domain.cohorts import Assignment, Completion, ReminderKind
from bot.domain.dialogue import Reply
from bot.services.cohorts.trainer import CohortStep
from bot.services.conversation.options import AcceptJoin, Answer, ForgetEverything, NewCohort
from bot.services.conversation.protocol import Flow
from bot.services.engine import DialogueEngine
from bot.services.privacy.export import FORMAT, VERSION
from tests.conftest import ChatDriver

NAME = "Anaïs Quintard"
WORDS = ("Zorglub", "Xylophage")  # free text only this person ever wrote


def test_every_table_has_an_owner_rule() -> None:
    assert personal.unowned_tables() == []


def _journey(coach: DialogueEngine, db_engine: Engine) -> tuple[ChatDriver, ChatDriver, int]:
    tom = ChatDriver(coach, user="tom")
    tom.start(language="en", role="trainer")
    tom.say("/trainer")
    if tom.flow is Flow.TRAINER_NAME:
        tom.say("Tom Trainer")
    tom.choose(NewCohort())
    tom.say("Buyers 2027")
    step = tom.conversation.data
    assert isinstance(step, CohortStep)
    uow = database.unit_of_work_factory(db_engine)
    with uow() as work:
        cohort = work.cohorts.get(step.cohort)
    assert cohort is not None and cohort.id is not None
    ana = ChatDriver(coach, user="ana")
    ana.start(language="fr", role="buyer")
    ana.say(f"/join {cohort.code}")
    ana.choose(AcceptJoin(cohort.id))
    ana.say(NAME)
    ana.say("/check")
    while ana.offered(Answer):
        ana.answer(4)
    ana.say("/mood")
    ana.press("🙂 bien")
    ana.say(f"mon fournisseur {WORDS[0]} impose +12 % demain à 10h")
    ana.say("/prepare")  # a meeting prepared step by step, from what she just said
    for step in range(8):
        if ana.flow is not Flow.PREPARE:
            break
        ana.say(f"réponse {WORDS[0]} {step}")
    assert ana.flow is not Flow.PREPARE
    tom.say("/export")  # the trainer exports the group: recorded, and shown to Ana
    assert any(r.attachment for r in tom.last)
    with uow() as work:
        user = work.users.find("test", "ana")
        assert user is not None and user.id is not None
        given = work.assignments.add(
            Assignment("exercise-one-useful-thing", tom_id(work), coach_now(coach), cohort.id)
        )
        assert given.id is not None
        work.assignments.complete(
            Completion(given.id, user.id, coach_now(coach), f"j'ai appris {WORDS[1]}", 4)
        )
        work.commit()
    return tom, ana, user.id


def tom_id(work: object) -> int:
    found = work.users.find("test", "tom")  # type: ignore[attr-defined]
    assert found is not None
    return int(found.id)


def coach_now(coach: DialogueEngine) -> object:
    return coach._clock.now()


def _attachment(replies: list[Reply], suffix: str) -> bytes:
    found = [
        r.attachment for r in replies if r.attachment and r.attachment.filename.endswith(suffix)
    ]
    assert len(found) == 1
    return found[0].data


def _text_everywhere(db_engine: Engine) -> str:
    """Every text and JSON cell of every table, joined."""
    cells: list[str] = []
    with db_engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            columns = [
                c
                for c in table.columns
                if isinstance(c.type, String | Text | JSON | SecretText | SecretJSON)
            ]
            if columns:
                for row in connection.execute(select(*columns)):
                    cells += [json.dumps(v, ensure_ascii=False) for v in row]
    return "\n".join(cells)


def test_a_whole_journey_is_exported_then_erased_to_the_last_row(
    db_engine: Engine, sql_engine_factory: Callable[[], DialogueEngine]
) -> None:
    coach = sql_engine_factory()
    _tom, ana, ana_id = _journey(coach, db_engine)
    ana.say("/mydata")
    export = json.loads(_attachment(ana.last, ".json"))
    assert (export["format"], export["version"]) == (FORMAT, VERSION)
    tables = export["tables"]
    assert len(tables["assessment_answers"]) == 10 and len(tables["assessment_results"]) == 1
    assert tables["memberships"][0]["display_name"] == NAME
    assert tables["completions"][0]["reflection"].endswith(WORDS[1])
    assert WORDS[0] in json.dumps(tables["users"], ensure_ascii=False)  # the meeting memory
    assert WORDS[0] in json.dumps(tables["preparations"], ensure_ascii=False)
    assert not any(row["user_id"] != ana_id for row in tables["mood_checkins"])
    assert [(a["by"], a["action"]) for a in export["trainer_access"]] == [("trainer", "export")]
    assert [(e["card_id"], e["rating"]) for e in export["exercises"]] == [
        ("exercise-one-useful-thing", 4)
    ]
    report = _attachment(ana.last, ".md").decode()
    assert NAME in report and WORDS[1] in report and "Résultats" in report
    assert all(word in _text_everywhere(db_engine) for word in (*WORDS, NAME))

    ana.say("/forget")
    assert ana.flow is Flow.FORGET
    ana.choose(ForgetEverything())
    with db_engine.connect() as connection:
        for name, table in Base.metadata.tables.items():
            if name in personal.PROGRAM:
                continue  # the program's own tables hold nothing about anyone
            condition = personal._owned(table, ana_id)
            assert condition is not None, name
            left = connection.execute(select(table).where(condition)).all()
            assert left == [], f"{name} still holds {left}"
    everything = _text_everywhere(db_engine)
    assert not any(word in everything for word in (*WORDS, NAME))
    # The trainer hears that someone left, and nothing else.
    with database.unit_of_work_factory(db_engine)() as work:
        pending = work.reminders.pending(tom_id(work))
    assert [r.kind for r in pending if r.kind is ReminderKind.LEFT] == [ReminderKind.LEFT]
    # Writing again starts from zero.
    ana.start(language="fr")
    assert ana.flow in (Flow.ROLE, Flow.MENU)
    with database.unit_of_work_factory(db_engine)() as work:
        again = work.users.find("test", "ana")
        assert again is not None and again.id is not None and again.role is None
        assert work.results.for_user(again.id) == []
        assert work.cohorts.memberships_of(again.id) == []


def test_a_trainer_who_erases_themself_leaves_trainees_their_notes(
    db_engine: Engine, sql_engine_factory: Callable[[], DialogueEngine]
) -> None:
    coach = sql_engine_factory()
    tom, _ana, ana_id = _journey(coach, db_engine)
    tom.say("/forget")
    tom.choose(ForgetEverything())
    uow = database.unit_of_work_factory(db_engine)
    with uow() as work:
        assert work.users.find("test", "tom") is None
        (own,) = work.assignments.personal(ana_id)
        (done,) = work.assignments.completions([int(own.id or 0)])
    assert own.card_id == "exercise-one-useful-thing" and own.assigned_by == ana_id
    assert done.reflection.endswith(WORDS[1]) and done.rating == 4
    assert "Tom Trainer" not in _text_everywhere(db_engine)
