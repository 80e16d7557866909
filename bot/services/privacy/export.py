"""A person's data as one JSON file for programs and one Markdown report to read."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.domain.dialogue import Attachment
from bot.services.conversation.turn import Turn

FORMAT = "trustcoach-export"
VERSION = 1
# The report's sections, in reading order: table, title key, the fields shown (in this order).
SECTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("assessment_results", "export_results", ("completed_at", "instrument")),
    ("result_scores", "export_scores", ("result_id", "dimension", "key", "score")),
    ("assessment_sessions", "export_sessions", ("started_at", "instrument", "status")),
    ("assessment_answers", "export_answers", ("session_id", "item_id", "value")),
    ("preparations", "export_preparations", ("created_at", "situation", "feeling", "answers")),
    ("mood_checkins", "export_moods", ("at", "score")),
    ("saved_cards", "export_saved", ("saved_at", "card_id")),
    ("memberships", "export_memberships", ("joined_at", "display_name", "left_at")),
    ("completions", "export_exercises", ("done_at", "rating", "reflection")),
    ("assignments", "export_assignments", ("created_at", "card_id", "due_at", "note")),
    ("reminders", "export_reminders", ("due_at", "kind", "sent_at")),
    ("cohorts", "export_cohorts", ("created_at", "name")),
    ("trainers", "export_trainer", ("display_name",)),
    ("safety_events", "export_safety", ("created_at", "category")),
)


def export(turn: Turn) -> dict[str, Any]:
    """Everything stored about the person, in the documented shape (docs/export.md)."""
    tables = turn.uow.personal_data.export(turn.user_id)
    return {
        "exercises": _exercises(turn, tables.get("completions") or []),
        "trainer_access": _accesses(turn),
        "format": FORMAT,
        "version": VERSION,
        "exported_at": turn.now.isoformat(),
        "person": {
            "channel": turn.user.channel,
            "id": turn.user.external_id,
            "language": turn.user.language,
        },
        "tables": tables,
    }


def _exercises(turn: Turn, done: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each exercise done, with the card it was and when it was given (a trainer's included)."""
    found = []
    for completion in done:
        assignment = turn.uow.assignments.get(int(completion["assignment_id"]))
        card = turn.cards.get(assignment.card_id) if turn.cards and assignment else None
        found.append(
            {
                "card_id": assignment.card_id if assignment else None,
                "title": card.text(turn.user.language).title if card else None,
                "given_at": assignment.created_at.isoformat() if assignment else None,
                "done_at": completion.get("done_at"),
                "rating": completion.get("rating"),
                "reflection": completion.get("reflection"),
            }
        )
    return found


def _accesses(turn: Turn) -> list[dict[str, Any]]:
    """Each time a trainer (or the operator) opened the report of a group the person was in."""
    memberships = turn.uow.cohorts.memberships_of(turn.user_id)
    joined = {m.cohort_id: m.joined_at for m in memberships}
    found = turn.uow.audit.of_cohorts(list(joined))
    return [
        {"at": r.at.isoformat(), "cohort_id": r.cohort_id, "by": r.actor, "action": r.action}
        for r in found
        if r.at >= joined[r.cohort_id]
    ]


def attachments(turn: Turn, data: dict[str, Any]) -> tuple[Attachment, Attachment]:
    """The JSON file and the readable report, named with the day of the export."""
    day = turn.now.date().isoformat()
    machine = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
    readable = report(turn, data).encode("utf-8")
    return (
        Attachment(readable, f"trustcoach-my-data-{day}.md", "text/markdown"),
        Attachment(machine, f"trustcoach-my-data-{day}.json", "application/json"),
    )


def report(turn: Turn, data: dict[str, Any]) -> str:
    """The export as a Markdown document in the person's language, section by section."""
    tables: dict[str, list[dict[str, Any]]] = data["tables"]
    lines = [
        f"# {turn.t('export_title')}",
        "",
        turn.t("export_intro", day=_day(data["exported_at"])),
    ]
    profile = (tables.get("users") or [{}])[0]
    lines += ["", f"## {turn.t('export_profile')}", ""]
    lines += [f"- {name}: {_shown(profile.get(name))}" for name in PROFILE if name in profile]
    for table, title, fields in SECTIONS:
        rows = tables.get(table) or []
        lines += ["", f"## {turn.t(title)} ({len(rows)})", ""]
        if not rows:
            lines.append(turn.t("export_none"))
        lines += [
            "- " + " · ".join(f"{name}: {_shown(row.get(name))}" for name in fields) for row in rows
        ]
    exercises = data.get("exercises") or []
    lines += ["", f"## {turn.t('export_exercise_cards')} ({len(exercises)})", ""]
    lines += [
        f"- {e['done_at']} · {e['title'] or e['card_id']} · {e['rating'] or '—'}" for e in exercises
    ] or [turn.t("export_none")]
    accesses = data.get("trainer_access") or []
    lines += ["", f"## {turn.t('export_access')} ({len(accesses)})", ""]
    lines += [f"- {a['at']} · {a['by']} · {a['action']}" for a in accesses] or [
        turn.t("export_none")
    ]
    lines += ["", turn.t("export_footer")]
    return "\n".join(lines) + "\n"


PROFILE = ("created_at", "language", "role", "focus", "time_zone")


def _day(moment: str) -> str:
    return datetime.fromisoformat(moment).date().isoformat()


def _shown(value: object) -> str:
    if value is None or value in ("", {}):
        return "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items() if v not in (None, ""))
    return str(value)
