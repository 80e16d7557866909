"""The end of a preparation: a summary that fits a phone, and the full sheet as a file."""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain.cards import Card
from bot.domain.dialogue import Attachment, Reply
from bot.domain.framework import Language
from bot.domain.preparation import Preparation, sentences_to_try, traps_to_avoid, unquoted
from bot.domain.taxonomy import SITUATIONS
from bot.services.conversation.protocol import Flow
from bot.services.conversation.steps import CardsStep
from bot.services.conversation.turn import Turn
from bot.services.knowledge import cards as knowledge
from bot.services.knowledge import search

from . import labels

SHOWN_SENTENCES = 2  # on a phone: two sentences to say, one trap; the file has the rest
SHEET_SENTENCES = 4
CANDIDATES = 8  # cards looked at for each part of the sheet (the side's own speak first)


def finish(turn: Turn, preparation: Preparation) -> list[Reply]:
    """Close the preparation: a short summary in the chat, the full sheet as a file."""
    rules, practical = sheet_cards(turn, preparation)
    language = turn.user.language
    # The side's own cards speak first: their sentences are in the user's voice.
    side = preparation.side
    spoken = fitting(practical + rules, side)
    sentences = sentences_to_try(spoken, language, SHEET_SENTENCES, side)
    traps = traps_to_avoid(spoken, language, side=side)
    preparation.completed_at = turn.now
    turn.uow.preparations.save(preparation)
    turn.go(Flow.CARDS, CardsStep(tuple(card.id for card in rules[:1])))
    full = render_sheet(turn, preparation, rules, sentences, traps)
    filename = f"preparation-{turn.now:%Y%m%d-%H%M}.md"
    attachment = Attachment(data=full.encode("utf-8"), filename=filename)
    text = "\n".join(_summary_lines(turn, preparation, rules, sentences, traps))
    options = knowledge.card_buttons(turn, rules[0].id, 1) if rules else ()
    return [
        Reply(text=text, options=options, attachment=attachment, key="prep_done"),
        turn.reply("prep_debrief_offer"),
    ]


def _summary_lines(
    turn: Turn, preparation: Preparation, rules: list[Card], sentences: list[str], traps: list[str]
) -> list[str]:
    """About eight lines: one golden rule, two sentences, one trap, the alternative, the opening."""
    language = turn.user.language
    lines = [turn.t("prep_done")]
    if rules:
        lines.append(turn.t("prep_done_rule", title=_bare_title(turn, rules[0], language)))
    if sentences:
        lines.append(turn.t("sheet_say"))
        lines += [f"  {quoted(turn, s)}" for s in sentences[:SHOWN_SENTENCES]]
    if traps:
        lines.append(f"{turn.t('sheet_avoid')} {unquoted(traps[0])}")
    lines.append(f"{turn.t('sheet_walkaway_short')} {_walkaway(turn, preparation)}")
    opening = _opening(preparation)
    if opening:
        lines.append(f"{turn.t('sheet_opening_short')} {quoted(turn, opening)}")
    return lines


def _bare_title(turn: Turn, card: Card, language: Language) -> str:
    """A golden rule's title without its "Golden rule:" prefix (the line already says it)."""
    title = card.text(language).title
    prefix = turn.t("golden_rule_prefix")
    return title[len(prefix) :].strip() if title.casefold().startswith(prefix.casefold()) else title


def quoted(turn: Turn, sentence: str) -> str:
    """A sentence quoted once, in the user's language's quotation marks."""
    plain = unquoted(sentence)
    return f"« {plain} »" if turn.user.language == "fr" else f"“{plain}”"


def _walkaway_card(turn: Turn, preparation: Preparation) -> Card | None:
    """The card on building an alternative, shown when the user had none."""
    card_id = preparation.answers.get("walkaway_card")
    return search.card(turn, card_id) if card_id else None


def _walkaway(turn: Turn, preparation: Preparation) -> str:
    card = _walkaway_card(turn, preparation)
    if card is not None:
        return turn.t("sheet_walkaway_build", title=card.text(turn.user.language).title)
    return labels.short(preparation.answers.get("walkaway") or "-", 120)


def _opening(preparation: Preparation) -> str:
    return preparation.answers.get("opening_proposed") or preparation.answers.get("opening") or ""


def opening_for(turn: Turn, preparation: Preparation) -> str:
    """A first minute for the user's side: thanks, the shared aim, then their view first.

    The cards' sentences answer a point of the negotiation; an opening sets the tone before any
    point, so it is written per side, with the situation named when it is known.
    """
    if preparation.situation in SITUATIONS:
        topic = labels.in_sentence(turn.t(f"situation_{preparation.situation}"))
    else:
        topic = turn.t("prep_opening_topic")
    return turn.t(f"prep_opening_{preparation.side}", topic=topic)


def sheet_cards(turn: Turn, preparation: Preparation) -> tuple[list[Card], list[Card]]:
    """The golden rules and practices for the meeting, written for the user's side."""
    query = _query(turn, preparation)
    situation = (
        [f"situation:{preparation.situation}"] if preparation.situation in SITUATIONS else []
    )
    rules = search.cards(turn, query, CANDIDATES, ["kind:golden-rule", *situation])
    if len(rules) < 2:
        more = search.cards(turn, query, CANDIDATES, ["kind:golden-rule"])
        rules += [c for c in more if c not in rules]
    practical = search.cards(turn, query, CANDIDATES, ["kind:practice", *situation])
    # The rules keep the search's order (relevance); the voice of the sentences is the side's
    # (see `fitting`, used where the sentences are picked).
    return rules[:3], practical[:3]


def fitting(cards: list[Card], side: str) -> list[Card]:
    """Cards written for this side alone first: their sentences are in the user's own voice.

    (Sentences of cards for both sides that only one side would say are marked as such and kept
    for that side.) The search order stays within each group.
    """
    return sorted(cards, key=lambda card: card.audiences != (side,))


def _query(turn: Turn, preparation: Preparation) -> str:
    answers = preparation.answers
    words = [answers.get(step, "") for step in ("situation_note", "stakes", "needs")]
    if preparation.situation in SITUATIONS:
        words.insert(0, turn.t(f"situation_{preparation.situation}"))
    return " ".join(w for w in words if w) or turn.t("prep_meeting")


def render_sheet(
    turn: Turn, preparation: Preparation, rules: list[Card], sentences: list[str], traps: list[str]
) -> str:
    """The full preparation sheet, in Markdown, in the user's language."""
    language = turn.user.language
    answers = preparation.answers
    title = labels.situation_label(turn, preparation, heading=True)
    header = [
        f"# {turn.t('sheet_title', situation=title)}",
        " · ".join(
            part
            for part in (
                f"{preparation.created_at:%Y-%m-%d}",
                turn.t(f"role_{preparation.role}_short"),
                labels.meeting_label(turn, preparation),
            )
            if part
        ),
    ]
    sections = [
        ("sheet_situation", _situation_text(preparation)),
        ("sheet_lesson", _lesson_text(turn, preparation)),
        ("sheet_stakes", answers.get("stakes") or "-"),
        ("sheet_feeling", _feeling_text(turn, preparation, language)),
        (f"sheet_needs_{preparation.side}", answers.get("needs") or "-"),
        ("sheet_walkaway", _walkaway_text(turn, preparation)),
        ("sheet_opening", unquoted(_opening(preparation)) or "-"),
        (
            "sheet_rules",
            _bullets(f"**{c.text(language).title}**: {c.gist(language)}" for c in rules),
        ),
        ("sheet_sentences", _bullets(unquoted(s) for s in sentences)),
        ("sheet_traps", _bullets(unquoted(t) for t in traps)),
        ("sheet_after", turn.t("sheet_after_text")),
    ]
    lines = list(header)
    for key, body in sections:
        if body:
            lines += ["", f"## {turn.t(key)}", body]
    lines += ["", "---", turn.t("framework_note")]
    return "\n".join(lines) + "\n"


def _bullets(lines: Iterable[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)


def _situation_text(preparation: Preparation) -> str:
    """The user's own words about the meeting, with the figures when the words lack them."""
    note = preparation.answers.get("situation_note", "")
    figures = preparation.answers.get("figures", "")
    return " — ".join(part for part in (note, figures if figures not in note else "") if part)


def _lesson_text(turn: Turn, preparation: Preparation) -> str:
    lesson = preparation.answers.get("lesson", "")
    return turn.t("sheet_lesson_text", lesson=unquoted(lesson)) if lesson else ""


def _feeling_text(turn: Turn, preparation: Preparation, language: Language) -> str:
    text = turn.t(f"feeling_{preparation.feeling or 'neutral'}")
    tip_id = preparation.answers.get("tip")
    tip = search.card(turn, tip_id) if tip_id else None
    if tip is None:
        return text
    return f"{text}\n{turn.t('prep_tip', title=tip.text(language).title)} {tip.gist(language)}"


def _walkaway_text(turn: Turn, preparation: Preparation) -> str:
    given = preparation.answers.get("walkaway") or "-"
    card = _walkaway_card(turn, preparation)
    if card is None:
        return given
    build = turn.t("sheet_walkaway_build", title=card.text(turn.user.language).title)
    return f"{given}\n\n{build}\n\n{card.plain_body(turn.user.language)}"
