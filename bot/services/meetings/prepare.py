"""Preparing a tough meeting step by step, the one-page sheet, and the debrief afterwards."""

from __future__ import annotations

from bot.domain.cards import Card
from bot.domain.dialogue import Attachment, Layout, Option, Progress, Reply
from bot.domain.preparation import STEPS, Preparation, sentences_to_try, traps_to_avoid
from bot.domain.taxonomy import SITUATIONS
from bot.services.conversation import core
from bot.services.conversation.options import (
    DebriefScore,
    DebriefStart,
    PrepareFeeling,
    PrepareSituation,
    PrepareSkip,
)
from bot.services.conversation.protocol import Flow
from bot.services.conversation.steps import CardsStep, PreparationStep
from bot.services.conversation.turn import Turn
from bot.services.knowledge import emotions, search

STORED_ANSWER_CHARS = 500
OTHER = "other"
OFFERED_SITUATIONS = (
    "price-increase",
    "late-delivery",
    "quality-incident",
    "cost-reduction",
    "contract-renegotiation",
    "payment-delay",
    "termination",
    "tender",
)
FEELINGS = ("confidence", "stress", "anxiety", "anger", "frustration")
DEBRIEF_SCORES = (1, 2, 3, 4, 5)


def start(turn: Turn, situation: str | None = None) -> list[Reply]:
    """Open a preparation (with the situation when the coach already knows it) and ask step one."""
    preparation = Preparation(
        user_id=turn.user_id,
        role=turn.user.role or "buyer",
        language=turn.user.language,
        created_at=turn.now,
    )
    if situation in SITUATIONS or situation == OTHER:
        preparation.situation = situation
    preparation = turn.uow.preparations.add(preparation)
    return [turn.reply("prep_intro"), *ask(turn, preparation)]


def current(turn: Turn) -> Preparation | None:
    """The preparation the conversation is in, if it is this user's."""
    step = turn.data(PreparationStep)
    preparation = turn.uow.preparations.get(step.prep) if step else None
    return preparation if preparation is not None and preparation.user_id == turn.user.id else None


def ask(turn: Turn, preparation: Preparation) -> list[Reply]:
    """Ask the next unanswered step, or finish with the sheet."""
    step = preparation.next_step
    if step is None:
        return finish(turn, preparation)
    assert preparation.id is not None
    turn.go(Flow.PREPARE, PreparationStep(preparation.id))
    number = STEPS.index(step) + 1
    step_line = turn.t("prep_step", number=number, total=len(STEPS))
    text = f"{step_line}\n{turn.t(_question_key(preparation, step))}"
    progress = Progress(number, len(STEPS))
    key = _question_key(preparation, step)
    return [Reply(text, _step_options(turn, step), progress=progress, key=key)]


def prompt(turn: Turn) -> list[Reply]:
    """The step on screen again (the menu if the preparation is gone)."""
    preparation = current(turn)
    return ask(turn, preparation) if preparation is not None else core.menu(turn)


def read_step(turn: Turn, text: str) -> list[Reply] | None:
    """Take a typed answer for the step on screen; None when no preparation is open."""
    preparation = current(turn)
    step = preparation.next_step if preparation else None
    if preparation is None or step is None:
        return None
    extra: list[Reply] = []
    if step == "situation":
        reading = emotions.read(turn, text)
        found = reading.situations if reading else ()
        preparation.situation = found[0] if found else OTHER
        preparation.answers["situation_note"] = text[:STORED_ANSWER_CHARS]
    elif step == "feeling":
        reading = emotions.read(turn, text)
        extra = set_feeling(turn, preparation, reading.primary if reading else "neutral")
    else:
        preparation.answers[step] = text[:STORED_ANSWER_CHARS]
    turn.uow.preparations.save(preparation)
    return extra + ask(turn, preparation)


def choose_situation(turn: Turn, choice: PrepareSituation) -> list[Reply] | None:
    """Set the situation from a button; None for a stale or unknown one."""
    preparation = current(turn)
    if preparation is None or preparation.next_step != "situation":
        return None
    if choice.situation not in SITUATIONS and choice.situation != OTHER:
        return None
    preparation.situation = choice.situation
    turn.uow.preparations.save(preparation)
    return ask(turn, preparation)


def choose_feeling(turn: Turn, choice: PrepareFeeling) -> list[Reply] | None:
    """Set the feeling from a button, with a tip; None for a stale or unknown one."""
    preparation = current(turn)
    if preparation is None or preparation.next_step != "feeling" or choice.feeling not in FEELINGS:
        return None
    tip = set_feeling(turn, preparation, choice.feeling)
    turn.uow.preparations.save(preparation)
    return tip + ask(turn, preparation)


def skip(turn: Turn, _choice: PrepareSkip) -> list[Reply] | None:
    """Skip the optional last step (the first minute)."""
    preparation = current(turn)
    if preparation is None or preparation.next_step != "opening":
        return None
    preparation.answers["opening"] = ""
    turn.uow.preparations.save(preparation)
    return ask(turn, preparation)


def set_feeling(turn: Turn, preparation: Preparation, feeling: str) -> list[Reply]:
    """Record how the user feels and give one regulation tip suited to it."""
    preparation.feeling = feeling
    if feeling in ("confidence", "neutral"):
        return [turn.reply("prep_feeling_ok")]
    tags = ["kind:emotion-technique", f"emotion:{feeling}"]
    technique = search.cards(turn, "before the meeting, a few minutes", 1, tags)
    if not technique:
        return [turn.reply(f"ack_{feeling}")]
    preparation.answers["tip"] = technique[0].id
    card = technique[0].text(turn.user.language)
    tip = turn.t("prep_tip", title=card.title)
    return [
        Reply(
            text=f"{turn.t(f'ack_{feeling}')}\n{tip}\n{technique[0].gist(turn.user.language)}",
            key="prep_tip",
        )
    ]


def finish(turn: Turn, preparation: Preparation) -> list[Reply]:
    """Close the preparation: rules, sentences, traps in the chat, and the sheet as a file."""
    rules, practical = _sheet_cards(turn, preparation)
    language = turn.user.language
    sentences = sentences_to_try(rules + practical, language)
    traps = traps_to_avoid(rules + practical, language)
    preparation.completed_at = turn.now
    turn.uow.preparations.save(preparation)
    sheet = render_sheet(turn, preparation, rules, sentences, traps)
    turn.go(Flow.CARDS, CardsStep(tuple(card.id for card in rules)))
    summary = [turn.t("prep_done")]
    summary += [f"• {card.text(language).title}" for card in rules]
    if sentences:
        summary += [
            "",
            turn.t("sheet_sentences"),
            *(f"« {s} »" if language == "fr" else f"“{s}”" for s in sentences),
        ]
    if traps:
        summary += ["", turn.t("sheet_traps"), *(f"✗ {t}" for t in traps)]
    filename = f"preparation-{turn.now:%Y%m%d-%H%M}.md"
    attachment = Attachment(data=sheet.encode("utf-8"), filename=filename)
    return [
        Reply(text="\n".join(summary), attachment=attachment, key="prep_done"),
        turn.reply("prep_debrief_offer"),
    ]


def render_sheet(
    turn: Turn, preparation: Preparation, rules: list[Card], sentences: list[str], traps: list[str]
) -> str:
    """The one-page preparation sheet, in Markdown, in the user's language."""
    language = turn.user.language
    answers = preparation.answers
    situation = situation_label(turn, preparation)
    lines = [
        f"# {turn.t('sheet_title', situation=situation)}",
        f"{preparation.created_at:%Y-%m-%d} · {turn.t(f'role_{preparation.role}_short')}",
        "",
        f"## {turn.t('sheet_stakes')}",
        answers.get("stakes") or "-",
        "",
        f"## {turn.t('sheet_feeling')}",
        turn.t(f"feeling_{preparation.feeling or 'neutral'}"),
    ]
    tip = search.card(turn, answers["tip"]) if answers.get("tip") else None
    if tip is not None:
        lines.append(f"{turn.t('prep_tip', title=tip.text(language).title)} {tip.gist(language)}")
    lines += [
        "",
        f"## {turn.t(f'sheet_needs_{_side(preparation)}')}",
        answers.get("needs") or "-",
        "",
        f"## {turn.t('sheet_walkaway')}",
        answers.get("walkaway") or "-",
        "",
        f"## {turn.t('sheet_opening')}",
        answers.get("opening") or "-",
        "",
        f"## {turn.t('sheet_rules')}",
        *(f"- **{card.text(language).title}**: {card.gist(language)}" for card in rules),
        "",
        f"## {turn.t('sheet_sentences')}",
        *(f"- {sentence}" for sentence in sentences),
        "",
        f"## {turn.t('sheet_traps')}",
        *(f"- {trap}" for trap in traps),
        "",
        f"## {turn.t('sheet_after')}",
        turn.t("sheet_after_text"),
        "",
        "---",
        turn.t("framework_note"),
    ]
    return "\n".join(lines) + "\n"


def start_debrief(turn: Turn) -> list[Reply]:
    """Ask how the last prepared meeting went, or say there is none."""
    waiting = _waiting_debrief(turn)
    if not waiting:
        return [turn.reply("debrief_none")]
    preparation = waiting[-1]
    assert preparation.id is not None
    turn.go(Flow.DEBRIEF, PreparationStep(preparation.id))
    options = tuple(
        turn.option(
            DebriefScore(preparation.id, score), turn.t(f"debrief_score_{score}"), str(score)
        )
        for score in DEBRIEF_SCORES
    )
    situation = situation_label(turn, preparation)
    text = turn.t("debrief_question", situation=situation)
    return [Reply(text=text, options=options, layout=Layout.SCALE, key="debrief_question")]


def debrief_score(turn: Turn, choice: DebriefScore) -> list[Reply] | None:
    """Record the 1-5 rating of the meeting; None for a stale button."""
    preparation = current(turn) if turn.flow is Flow.DEBRIEF else None
    if preparation is None or preparation.id != choice.preparation:
        return None
    preparation.debrief_score = choice.score
    turn.uow.preparations.save(preparation)
    return [turn.reply("debrief_worked")]


def read_debrief(turn: Turn, text: str) -> list[Reply] | None:
    """Take 'what worked' then 'what to change'; close the debrief after the second."""
    preparation = current(turn) if turn.flow is Flow.DEBRIEF else None
    if preparation is None:
        return None
    if preparation.debrief_score is None:
        return [turn.reply("debrief_pick_score"), *start_debrief(turn)]
    step = "worked" if "worked" not in preparation.debrief_notes else "change"
    preparation.debrief_notes[step] = text[:STORED_ANSWER_CHARS]
    if step == "worked":
        turn.uow.preparations.save(preparation)
        return [turn.reply("debrief_change")]
    preparation.debriefed_at = turn.now
    turn.uow.preparations.save(preparation)
    turn.go(Flow.MENU)
    return [turn.reply("debrief_thanks")]


def debrief_prompt(turn: Turn) -> list[Reply]:
    """Repeat the debrief question the conversation is waiting on."""
    preparation = current(turn)
    if preparation is None:
        return core.menu(turn)
    if preparation.debrief_score is None:
        return start_debrief(turn)
    key = "debrief_change" if "worked" in preparation.debrief_notes else "debrief_worked"
    return [turn.reply(key)]


def debrief_reminder(turn: Turn) -> list[Reply]:
    """On return, offer to debrief a prepared meeting that has not been debriefed."""
    waiting = _waiting_debrief(turn)
    if not waiting:
        return []
    option = turn.option(DebriefStart(), turn.t("debrief_button"), "d", stays=True)
    situation = situation_label(turn, waiting[-1])
    return [turn.reply("debrief_reminder", options=(option,), situation=situation)]


def summary(turn: Turn) -> str | None:
    """One line for the progress report: meetings prepared, debriefed and how they went."""
    done = [p for p in turn.uow.preparations.for_user(turn.user_id) if p.completed_at]
    if not done:
        return None
    scores = [p.debrief_score for p in done if p.debrief_score is not None and p.debriefed_at]
    average = f"{sum(scores) / len(scores):.1f}" if scores else "-"
    return turn.t("prep_summary", prepared=len(done), debriefed=len(scores), average=average)


def situation_label(turn: Turn, preparation: Preparation) -> str:
    """How the meeting is named to the user: its situation, or their own words."""
    situation = preparation.situation or OTHER
    if situation == OTHER:
        return preparation.answers.get("situation_note", "")[:60] or turn.t("prep_meeting")
    return turn.t(f"situation_{situation}")


def _side(preparation: Preparation) -> str:
    return "supplier" if preparation.role == "supplier" else "buyer"


def _question_key(preparation: Preparation, step: str) -> str:
    return f"prep_{step}_{_side(preparation)}" if step in ("situation", "needs") else f"prep_{step}"


def _step_options(turn: Turn, step: str) -> tuple[Option, ...]:
    if step == "situation":
        options = [
            turn.option(PrepareSituation(s), turn.t(f"situation_{s}"), str(i))
            for i, s in enumerate(OFFERED_SITUATIONS, start=1)
        ]
        other = turn.option(PrepareSituation(OTHER), turn.t("clarify_other"), str(len(options) + 1))
        return (*options, other)
    if step == "feeling":
        return tuple(
            turn.option(PrepareFeeling(f), turn.t(f"feeling_{f}"), str(i))
            for i, f in enumerate(FEELINGS, 1)
        )
    if step == "opening":
        return (turn.option(PrepareSkip(), turn.t("prep_skip"), "0"),)
    return ()


def _sheet_cards(turn: Turn, preparation: Preparation) -> tuple[list[Card], list[Card]]:
    audience = (
        f"audience:{turn.user.role or 'buyer'}" if turn.user.role != "trainer" else "audience:buyer"
    )
    query = " ".join(v for v in preparation.answers.values() if v) or turn.t("prep_meeting")
    situation = (
        [f"situation:{preparation.situation}"] if preparation.situation in SITUATIONS else []
    )
    rules = search.cards(turn, query, 3, ["kind:golden-rule", *situation])
    if len(rules) < 2:
        rules += [
            c
            for c in search.cards(turn, query, 3, ["kind:golden-rule", audience])
            if c not in rules
        ]
    practical = search.cards(turn, query, 3, ["kind:practice", *situation])
    return rules[:3], practical


def _waiting_debrief(turn: Turn) -> list[Preparation]:
    return [
        p
        for p in turn.uow.preparations.for_user(turn.user_id)
        if p.completed_at and not p.debriefed_at
    ]
