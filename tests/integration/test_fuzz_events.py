"""Random events from many users against the real engine on a real database: nothing escapes.

Hypothesis draws each event from where the user's conversation stands: commands (known and
not, with junk arguments), option ids (on screen, stale, forged, another user's), texts (empty,
huge, control characters, NUL, right-to-left marks, emoji, markup, Unicode digits, 20-digit
numbers), /start with payloads, and updates delivered twice. After each event: no exception,
no other user's rows changed, a redelivered update changed nothing; after each run, every
stored assessment is valid. At least 10,000 events per run (FUZZ_EVENTS raises it).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, Table, select, text

from bot.adapters.db.models import Base
from bot.domain.dialogue import Choice, Inbound, Start, Text
from bot.services.conversation.protocol import Verb
from bot.services.engine import DialogueEngine

CHANNEL = "telegram"
# Few users per example, many events each: deep steps (an assignment's due date, a debrief)
# are reached only by someone who keeps going.
USERS = ["1001", "1002", "99999999999999999999"]
EVENTS_PER_EXAMPLE = 80
# SQLite in every run; PostgreSQL is slower to digest after each event, so it gets fewer.
TARGETS = {"sqlite": int(os.environ.get("FUZZ_EVENTS", "10000")), "postgresql": 2000}
COMMANDS = [
    "/start", "/check", "/prepare", "/ask", "/progress", "/assess", "/focus", "/mood",
    "/debrief", "/saved", "/exercises", "/join", "/leave", "/trainer", "/export", "/menu",
    "/language", "/role", "/timezone", "/help", "/cancel", "/unknown", "/", "/check@TrustCoachBot",
]  # fmt: skip
ODD_TEXTS = [
    "", " ", "\x00", "\x00\x1b[31m", "\u202e1\u202c", "\u200f\u05e9\u05dc\u05d5\u05dd", "😭",
    "🙂👍🏽", "<b>bold</b>", "*_`[x](http://e)`_*", "２⁷", "⑤", "²", "٣", "8041-71-46932263472",
    "99999999999999999999", "00000000000000000003", "-1", "3.5", "1e309", "NaN", "b", "r",
    "back", "o999", "2026-02-30", "31/02", "0/0/0", "oui", "non", "UTC+99", "Europe/../etc",
    "demain 25h99", "in 99 days", "next Tuesday at 2pm", "+12 %", "🙂" * 700,
]  # fmt: skip


@dataclass
class Run:
    """What the fuzzing saw, over every example of one test."""

    events: int = 0
    duplicates: int = 0
    flows: set[str] = field(default_factory=set)
    users: set[str] = field(default_factory=set)
    seen_ids: dict[str, list[str]] = field(default_factory=dict)
    next_update: int = 1


def _texts() -> st.SearchStrategy[str]:
    huge = st.builds(lambda char, size: char * size, st.characters(), st.integers(1000, 6000))
    return st.one_of(
        st.sampled_from(ODD_TEXTS),
        st.text(max_size=60),
        st.text(alphabet=st.characters(categories=["Nd", "No", "Cc", "Cf", "Zs"]), max_size=30),
        huge,
    )


def _command(draw: st.DrawFn) -> str:
    command = draw(st.sampled_from(COMMANDS))
    argument = draw(st.one_of(st.just(""), _texts()))
    return f"{command} {argument}".rstrip() if argument else command


def _forged_id(draw: st.DrawFn) -> str:
    verb = draw(st.sampled_from([v.value for v in Verb]))
    fields = draw(
        st.lists(
            st.one_of(
                st.integers(-5, 10**21).map(str),
                st.sampled_from(["⑤", "²", "٣", "", "x", "..", "é" * 20]),
            ),
            max_size=4,
        )
    )
    return ":".join([verb, *fields])


def _event(draw: st.DrawFn, engine: DialogueEngine, run: Run, user: str) -> Inbound:
    conversation = engine.conversation(CHANNEL, user)
    if conversation is not None:
        run.flows.add(str(conversation.flow))
    on_screen = [s.id for s in conversation.screen] if conversation else []
    staying = [s.id for s in conversation.staying] if conversation else []
    others = [i for u, ids in run.seen_ids.items() if u != user for i in ids[-20:]]
    mine = run.seen_ids.get(user, [])[-40:]
    choices: list[Callable[[], Inbound]] = [
        lambda: Text(draw(_texts())),
        lambda: Text(_command(draw)),
        lambda: Choice(_forged_id(draw)),
        lambda: Start(payload=draw(st.one_of(st.none(), st.text(max_size=70)))),
    ]
    if on_screen or staying:
        choices += [lambda: Choice(draw(st.sampled_from(on_screen + staying)))] * 6
    if mine:
        choices.append(lambda: Choice(draw(st.sampled_from(mine))))
    if others:
        choices.append(lambda: Choice(draw(st.sampled_from(others))))
    return draw(st.sampled_from(choices))()


def _owners(database: Engine) -> dict[int, str]:
    """A digest of every row each user owns, by user id."""
    rows: dict[int, list[str]] = {}
    with database.connect() as connection:
        sessions = dict(
            connection.execute(select(_table("assessment_sessions").c["id", "user_id"])).all()
        )
        results = dict(
            connection.execute(select(_table("assessment_results").c["id", "user_id"])).all()
        )
        cohorts = dict(connection.execute(select(_table("cohorts").c["id", "trainer_id"])).all())
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(select(table)).mappings():
                owner = _owner(table.name, row, sessions, results, cohorts)
                if owner is not None:
                    # A sender's lease is bookkeeping of sending, not the user's data.
                    kept = sorted((k, v) for k, v in row.items() if k not in ("lease_until",))
                    rows.setdefault(owner, []).append(f"{table.name}:{kept!r}")
    return {
        user: hashlib.sha256("\n".join(sorted(r)).encode()).hexdigest() for user, r in rows.items()
    }


def _owner(
    name: str, row: dict[str, object], sessions: dict[object, object], results: dict[object, object],
    cohorts: dict[object, object],
) -> int | None:  # fmt: skip
    by_link = {
        "users": row.get("id"),
        "assessment_answers": sessions.get(row.get("session_id")),
        "result_scores": results.get(row.get("result_id")),
        "assignments": row.get("assigned_by"),
        "cohorts": row.get("trainer_id"),
    }
    if name in by_link:
        return _as_int(by_link[name])
    return _as_int(row.get("user_id", row.get("trainee_id")))


def _as_int(value: object) -> int | None:
    return value if isinstance(value, int) else None


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _assessments_are_valid(database: Engine, engine: DialogueEngine) -> None:
    instruments = {i.id.value: i for i in engine.content.instruments.values()}
    with database.connect() as connection:
        sessions = connection.execute(select(_table("assessment_sessions"))).mappings().all()
        answers = connection.execute(select(_table("assessment_answers"))).mappings().all()
        scores = connection.execute(select(_table("result_scores"))).mappings().all()
    by_session: dict[object, list[dict[str, object]]] = {}
    for answer in answers:
        by_session.setdefault(answer["session_id"], []).append(dict(answer))
    for session in sessions:
        instrument = instruments[session["instrument"]]
        items = {item.id for item in instrument.items}
        given_answers = by_session.get(session["id"], [])
        assert len({a["item_id"] for a in given_answers}) == len(given_answers)
        for answer in given_answers:
            assert answer["item_id"] in items
            assert 1 <= int(str(answer["value"])) <= 5
    for score in scores:
        assert 0 <= float(str(score["score"])) <= 100


def _empty(database: Engine) -> None:
    """Every example starts from an empty database, so that it replays the same way."""
    tables = list(reversed(Base.metadata.sorted_tables))
    with database.begin() as connection:
        if database.dialect.name == "postgresql":
            names = ", ".join(f'"{table.name}"' for table in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        for table in tables:
            connection.execute(table.delete())


def _fuzz(database: Engine, engine: DialogueEngine, run: Run, draw: st.DrawFn) -> None:
    _empty(database)
    run.seen_ids, run.next_update = {}, 1
    before = _owners(database)
    for _ in range(EVENTS_PER_EXAMPLE):
        user = draw(st.sampled_from(USERS))
        run.users.add(user)
        repeat = run.next_update > 1 and draw(st.integers(0, 9)) == 0
        if repeat:
            key = str(draw(st.integers(1, run.next_update - 1)))
            outcome = engine.respond(CHANNEL, user, Text("(redelivered)"), update_key=key)
            after = _owners(database)
            # Whoever the key belonged to, nothing changed anywhere.
            assert outcome.duplicate
            assert after == before
            run.duplicates += 1
        else:
            event = _event(draw, engine, run, user)
            key = str(run.next_update)
            run.next_update += 1
            outcome = engine.respond(CHANNEL, user, event, "fr", update_key=key)
            assert outcome.replies, f"no reply to {event!r}"
            after = _owners(database)
            changed = {u for u in set(before) | set(after) if before.get(u) != after.get(u)}
            actor = _user_id(database, user)
            assert changed <= {actor}, f"{event!r} by {user} changed users {changed - {actor}}"
        ids = [option.id for reply in outcome.replies for option in reply.options]
        run.seen_ids.setdefault(user, []).extend(ids)
        run.events += 1
        before = after
    _assessments_are_valid(database, engine)


def _user_id(database: Engine, external_id: str) -> int | None:
    users = _table("users")
    with database.connect() as connection:
        return connection.execute(
            select(users.c.id).where(users.c.external_id == external_id)
        ).scalar_one_or_none()


@pytest.mark.timeout(1800)
def test_random_events_from_many_users_never_escape_nor_cross(
    db_engine: Engine, sql_engine_factory: Callable[[], DialogueEngine]
) -> None:
    engine = sql_engine_factory()
    run = Run()
    target = TARGETS[db_engine.dialect.name]
    examples = -(-target // EVENTS_PER_EXAMPLE)

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def one_example(data: st.DataObject) -> None:
        _fuzz(db_engine, engine, run, data.draw)

    one_example()
    print(
        f"\nfuzz on {db_engine.dialect.name}: {run.events} events, {run.duplicates} redelivered,"
        f" {len(run.flows)} flows reached, 0 escaped exceptions, 0 cross-user changes"
    )
    assert run.events >= target
