"""Answering with knowledge cards: free-text questions, cards after a result, saved cards."""

from __future__ import annotations

from bot.domain.cards import Card
from bot.domain.dialogue import Layout, Option, Reply
from bot.domain.retrieval import CardHit
from bot.domain.taxonomy import SITUATIONS
from bot.services.conversation.options import Clarify, OpenCard, PrepareMeeting, SaveCard
from bot.services.conversation.protocol import Flow
from bot.services.conversation.steps import CardsStep, ClarifyStep
from bot.services.conversation.turn import Turn

from . import search
from .search import Miss

MAX_SHOWN = 3
# The first card of an answer shows its first lines, cut here; the others show their title.
PREVIEW_CHARS = 110
MAX_SAVED_LISTED = 10
STORED_QUERY_CHARS = 300
OTHER = "other"
# The situations offered when a question is too vague to answer: the most frequent ones.
CLARIFY_SITUATIONS = (
    "price-increase",
    "late-delivery",
    "quality-incident",
    "cost-reduction",
    "contract-renegotiation",
    "conflict-escalation",
)


def answer_question(turn: Turn, text: str, within: str | None = None) -> list[Reply]:
    """Answer free text with the best cards, or ask one clarifying question if none fits well.

    `within`: the situation being talked about (a follow-up names none of its own): its cards
    come first, the best others fill up.
    """
    found = search.search(turn, text, MAX_SHOWN)
    if found.miss is Miss.UNAVAILABLE:
        return [turn.reply("search_unavailable")]
    if found.miss is Miss.NO_WORDS:
        return [turn.reply("search_no_words")]
    on_topic = search.search(turn, text, MAX_SHOWN, [f"situation:{within}"]) if within else None
    if on_topic is not None and on_topic.hits:
        ids = {hit.card.id for hit in on_topic.hits}
        hits = [*on_topic.hits, *(hit for hit in found.hits if hit.card.id not in ids)]
        return show_hits(turn, hits[:MAX_SHOWN], "cards_intro")
    if not found.hits or not found.hits[0].confident:
        return clarify(turn, text)
    return show_hits(turn, list(found.hits), "cards_intro")


def clarify(turn: Turn, text: str) -> list[Reply]:
    """Say that nothing fits well yet and ask which situation is closest."""
    turn.go(Flow.CLARIFY, ClarifyStep(text[:STORED_QUERY_CHARS]))
    options = [
        turn.option(Clarify(situation), turn.t(f"situation_{situation}"), str(index))
        for index, situation in enumerate(CLARIFY_SITUATIONS, start=1)
    ]
    options.append(turn.option(Clarify(OTHER), turn.t("clarify_other"), str(len(options) + 1)))
    return [turn.reply("clarify_question", options=tuple(options))]


def clarify_prompt(turn: Turn) -> list[Reply]:
    """The clarifying question again."""
    step = turn.data(ClarifyStep)
    return clarify(turn, step.query if step else "")


def clarified(turn: Turn, choice: Clarify) -> list[Reply] | None:
    """Search again with the situation the user picked; None when no question is waiting."""
    step = turn.data(ClarifyStep)
    if step is None or (choice.situation not in SITUATIONS and choice.situation != OTHER):
        return None
    if choice.situation == OTHER:
        turn.go(Flow.MENU)
        return [turn.reply("clarify_tell_more")]
    # The situation's name joins the question, so that even a query of stop words finds cards.
    words = f"{step.query} {turn.t(f'situation_{choice.situation}')}"
    found = search.search(turn, words, MAX_SHOWN, [f"situation:{choice.situation}"])
    if found.miss is Miss.UNAVAILABLE:
        return [turn.reply("search_unavailable")]
    return show_hits(turn, list(found.hits), "cards_intro")


def show_hits(turn: Turn, hits: list[CardHit], lead_key: str) -> list[Reply]:
    """Show cards as title and gist, each with 'more' and 'save'."""
    cards = [hit.card for hit in hits]
    turn.go(Flow.CARDS, CardsStep(tuple(card.id for card in cards)))
    return [turn.reply(lead_key), *card_previews(turn, cards)]


def card_previews(turn: Turn, cards: list[Card], start: int = 1) -> list[Reply]:
    """One short message per card: number, title, and its two buttons (which stay).

    The first card also shows how it begins; the others only their title, so that a whole answer
    fits a phone screen; "read more" opens any of them.
    """
    replies = []
    for number, card in enumerate(cards, start=start):
        text = card.text(turn.user.language)
        preview = f"{number}. {text.title}"
        if number == start:
            preview += f"\n{card.gist(turn.user.language, PREVIEW_CHARS)}"
        options = card_buttons(turn, card.id, number)
        replies.append(Reply(preview, options, layout=Layout.CARDS, key="card_preview"))
    return replies


def card_buttons(turn: Turn, card_id: str, number: int) -> tuple[Option, ...]:
    """The 'read more' and 'save' options of the card shown at a number."""
    return (
        turn.option(OpenCard(card_id), turn.t("card_more"), f"m{number}", stays=True, group=number),
        turn.option(SaveCard(card_id), turn.t("card_save"), f"s{number}", stays=True, group=number),
    )


def prepare_option(turn: Turn, situation: str) -> Option:
    """The button that starts preparing a meeting about a situation."""
    label = turn.t("prepare_offer_button")
    return turn.option(PrepareMeeting(situation), label, "p", stays=True)


def open_card(turn: Turn, choice: OpenCard) -> list[Reply] | None:
    """Show a whole card, with its sources; None for an unknown card."""
    card = search.card(turn, choice.card)
    if card is None:
        return None
    parts = [card.text(turn.user.language).title, card.plain_body(turn.user.language)]
    if card.sources:
        parts.append(turn.t("card_sources", sources="; ".join(card.sources)))
    save = turn.option(SaveCard(card.id), turn.t("card_save"), "s", stays=True)
    return [Reply(text="\n\n".join(parts), options=(save,), key="card_full")]


def save_card(turn: Turn, choice: SaveCard) -> list[Reply] | None:
    """Keep a card for later; None for an unknown card."""
    card = search.card(turn, choice.card)
    if card is None:
        return None
    added = turn.uow.saved_cards.add(turn.user_id, card.id, turn.now)
    key = "card_saved" if added else "card_already_saved"
    return [turn.reply(key, title=card.text(turn.user.language).title)]


def list_saved(turn: Turn) -> list[Reply]:
    """List the user's kept cards, newest first, each ready to open."""
    cards = search.known(turn, turn.uow.saved_cards.for_user(turn.user_id))[:MAX_SAVED_LISTED]
    if not cards:
        return [turn.reply("saved_none")]
    turn.go(Flow.SAVED, CardsStep(tuple(card.id for card in cards)))
    options = tuple(
        turn.option(
            OpenCard(card.id), card.text(turn.user.language).title, f"m{number}", stays=True
        )
        for number, card in enumerate(cards, start=1)
    )
    return [turn.reply("saved_list", options=options, count=len(cards))]


def cards_for_result(turn: Turn, competencies: list[str]) -> list[Reply]:
    """Pick 2-3 cards for the weakest competencies, written for the user's role."""
    role = turn.user.role or "buyer"
    picked: list[Card] = []
    for competency, wanted in zip(competencies, (2, 1), strict=False):
        name = turn.content.framework.competency(competency)
        query = f"{name.name.in_(turn.user.language)}. {name.definition.in_(turn.user.language)}"
        tags = [f"competency:{competency}", f"audience:{role}"]
        found = search.cards(turn, query, wanted + len(picked), tags)
        picked += [card for card in found if card not in picked][:wanted]
    if not picked:
        return []  # the result still shows; cards are a bonus here
    return [turn.reply("result_cards_intro"), *card_previews(turn, picked)]
