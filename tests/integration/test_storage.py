"""The dialogue engine on real databases: SQLite and PostgreSQL (each test runs on both)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, func, select

from bot.adapters.db import database
from bot.adapters.db.models import AnswerRow, ResultRow, ScoreRow, SessionRow, UserRow
from bot.services.conversation.options import Mood, PrepareFeeling, PrepareSituation, PrepareSkip
from bot.services.engine import DialogueEngine
from tests.conftest import ChatDriver

EngineFactory = Callable[[], DialogueEngine]


def _count(db: Engine, model: type) -> int:
    with database.session_factory(db)() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _progress(chat: ChatDriver) -> tuple[int, int]:
    """Where the sequence on screen stands (statement or step n of m), from its reply."""
    step = next(reply.progress for reply in chat.last if reply.progress is not None)
    return step.number, step.total


def _answers(db: Engine) -> dict[str, int]:
    with database.session_factory(db)() as session:
        return {row.item_id: row.value for row in session.scalars(select(AnswerRow))}


def test_a_quick_check_is_stored_with_its_result_and_scores(
    sql_engine_factory: EngineFactory, db_engine: Engine
) -> None:
    chat = ChatDriver(sql_engine_factory())
    chat.start(language="en", role="buyer")
    chat.say("/check")
    for _ in range(10):
        chat.answer(5)
    assert "result_title_quick" in chat.keys and "result_strength" in chat.keys
    assert _count(db_engine, UserRow) == 1
    assert _count(db_engine, AnswerRow) == 10
    assert _count(db_engine, ResultRow) == 1
    assert _count(db_engine, ScoreRow) == 5 + 10  # five registers, ten competencies measured
    chat.say("/progress")
    assert "progress_title" in chat.keys and "progress_empty" not in chat.keys


def test_a_new_process_resumes_the_conversation_where_it_stopped(
    sql_engine_factory: EngineFactory,
) -> None:
    first = ChatDriver(sql_engine_factory())
    first.start(language="fr", role="supplier")
    first.say("/assess")
    for value in (1, 2, 3):
        first.answer(value)
    # A restart: a brand-new engine over the same database, nothing kept in memory.
    second = ChatDriver(sql_engine_factory())
    second.start()
    assert second.keys == ["welcome_back_paused", "question"]
    assert _progress(second) == (4, 36)
    second.answer(4)
    assert _progress(second) == (5, 36)


def test_two_engines_continue_the_same_user_in_turn(
    sql_engine_factory: EngineFactory, db_engine: Engine
) -> None:
    one, two = ChatDriver(sql_engine_factory()), ChatDriver(sql_engine_factory())
    one.start(language="en", role="buyer")
    one.say("/check")
    for turn in range(10):
        driver = one if turn % 2 == 0 else two
        driver.say(str(1 + turn % 5))
    assert "result_strength" in two.keys
    assert _count(db_engine, ResultRow) == 1


def test_concurrent_answers_from_two_processes_are_never_lost(
    sql_engine_factory: EngineFactory, db_engine: Engine
) -> None:
    setup = ChatDriver(sql_engine_factory())
    setup.start(language="en", role="buyer")
    setup.say("/assess")
    engines = [sql_engine_factory(), sql_engine_factory()]
    errors: list[BaseException] = []

    def answer_many(engine: DialogueEngine) -> None:
        driver = ChatDriver(engine)
        try:
            for _ in range(8):
                driver.say("3")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=answer_many, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    # Sixteen typed answers, each applied exactly once, in order: none lost, none doubled.
    assert len(_answers(db_engine)) == 16
    with database.session_factory(db_engine)() as session:
        assert session.scalars(select(SessionRow.position)).one() == 16


def test_a_crash_in_the_middle_of_an_answer_leaves_the_stored_state_intact(
    sql_engine_factory: EngineFactory, db_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = ChatDriver(sql_engine_factory())
    chat.start(language="en", role="buyer")
    chat.say("/check")
    for _ in range(9):
        chat.answer(2)
    before = _answers(db_engine)

    def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("power cut")

    # The last answer and the session status are flushed before the result insert fails.
    monkeypatch.setattr("bot.adapters.db.repositories.SqlResultRepository.add", explode)
    with pytest.raises(RuntimeError):
        chat.answer(2)
    monkeypatch.undo()
    assert _answers(db_engine) == before
    assert _count(db_engine, ResultRow) == 0
    with database.session_factory(db_engine)() as session:
        assert session.scalars(select(SessionRow.status)).one() == "active"
    again = ChatDriver(sql_engine_factory())
    again.say("2")
    assert "result_strength" in again.keys
    assert _count(db_engine, ResultRow) == 1


def test_a_changed_answer_replaces_the_stored_value(
    sql_engine_factory: EngineFactory, db_engine: Engine
) -> None:
    chat = ChatDriver(sql_engine_factory())
    chat.start(language="en", role="buyer")
    chat.say("/check")
    chat.answer(5)
    chat.say("b")
    chat.answer(1)
    assert list(_answers(db_engine).values()) == [1]


def test_migrations_reach_head_and_running_them_again_changes_nothing(db_engine: Engine) -> None:
    assert database.current_revision(db_engine) == database.head_revision()
    database.upgrade(db_engine, "head")  # idempotent
    assert database.ensure_schema(db_engine) is False


def test_preparations_moods_and_safety_events_are_stored(
    sql_engine_factory: EngineFactory, db_engine: Engine
) -> None:
    from bot.adapters.db.models import MoodRow, PreparationRow, SafetyEventRow

    chat = ChatDriver(sql_engine_factory())
    chat.start(language="en", role="buyer")
    chat.say("/prepare")
    chat.choose(PrepareSituation("late-delivery"))
    chat.say("Getting the line running again this week")
    # A restart in the middle: another engine carries on with the same preparation.
    chat = ChatDriver(sql_engine_factory())
    chat.start()
    assert chat.keys == ["welcome_back_paused", "prep_feeling"] and _progress(chat) == (3, 6)
    chat.choose(PrepareFeeling("anger"))
    chat.say("They need a realistic recovery plan; they fear penalties")
    chat.say("Move the urgent references to our second source")
    chat.choose(PrepareSkip())
    assert chat.keys[:2] == ["prep_opening_proposed", "prep_done"]  # skipped: one is proposed
    chat.say("/mood")
    chat.choose(Mood(3))
    chat.say("I want to end it all")
    assert chat.keys == ["safety_self_harm"]
    with database.session_factory(db_engine)() as session:
        (preparation,) = session.scalars(select(PreparationRow))
        assert preparation.situation == "late-delivery" and preparation.feeling == "anger"
        assert preparation.completed_at is not None
        assert session.scalars(select(MoodRow.score)).all() == [3]
        (event,) = session.scalars(select(SafetyEventRow))
        assert event.category == "self_harm"
        columns = {column.name for column in SafetyEventRow.__table__.columns}
        assert columns == {"id", "user_id", "category", "created_at"}  # no room for the text
