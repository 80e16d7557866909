"""Answering with knowledge cards: free-text questions, cards after a result, saved cards."""

from __future__ import annotations

from bot.domain.cards import Card
from bot.domain.dialogue import Option, Reply
from bot.domain.retrieval import CardHit, QueryError, SearchUnavailableError, TagFilter
from bot.domain.taxonomy import SITUATIONS
from bot.services.turn import Turn

MAX_SHOWN = 3
MAX_SAVED_LISTED = 10
STORED_QUERY_CHARS = 300
# The situations offered when a question is too vague to answer: the most frequent ones.
CLARIFY_SITUATIONS = (
    "price-increase",
    "late-delivery",
    "quality-incident",
    "cost-reduction",
    "contract-renegotiation",
    "conflict-escalation",
)


def answer_question(turn: Turn, text: str) -> list[Reply]:
    """Answer free text with the best cards, or ask one clarifying question if none fits well."""
    if turn.cards is None:
        return [turn.reply("search_unavailable")]
    try:
        hits = turn.cards.search(text, turn.user.language, k=MAX_SHOWN)
    except QueryError:
        return [turn.reply("search_no_words")]
    except SearchUnavailableError:
        return [turn.reply("search_unavailable")]
    if not hits or not hits[0].confident:
        return clarify(turn, text)
    return show_hits(turn, hits, "cards_intro")


def clarify(turn: Turn, text: str) -> list[Reply]:
    """Say that nothing fits well yet and ask which situation is closest."""
    turn.go("clarify", query=text[:STORED_QUERY_CHARS])
    options = [
        Option(id=f"clarify:{situation}", label=turn.t(f"situation_{situation}"), key=str(index))
        for index, situation in enumerate(CLARIFY_SITUATIONS, start=1)
    ]
    options.append(
        Option(id="clarify:other", label=turn.t("clarify_other"), key=str(len(options) + 1))
    )
    return [Reply(text=turn.t("clarify_question"), options=tuple(options))]


def clarified(turn: Turn, situation: str) -> list[Reply] | None:
    """Search again with the situation the user picked; None for an unknown situation."""
    query = str(turn.state_value("query") or "")
    if situation == "other":
        turn.go("menu")
        return [turn.reply("clarify_tell_more")]
    if situation not in SITUATIONS or turn.cards is None:
        return None
    tags = TagFilter.parse([f"situation:{situation}"])
    # The situation's name joins the question, so that even a query of stop words finds cards.
    words = f"{query} {turn.t(f'situation_{situation}')}"
    try:
        hits = turn.cards.search(words, turn.user.language, k=MAX_SHOWN, tags=tags)
    except SearchUnavailableError:
        return [turn.reply("search_unavailable")]
    return show_hits(turn, hits, "cards_intro")


def show_hits(turn: Turn, hits: list[CardHit], lead_key: str, **values: object) -> list[Reply]:
    """Show cards as title and gist, each with 'more' and 'save'; remember them for typed keys."""
    cards = [hit.card for hit in hits]
    turn.go("cards", cards=[card.id for card in cards])
    return [Reply(text=turn.t(lead_key, **values)), *card_previews(turn, cards)]


def card_previews(turn: Turn, cards: list[Card], start: int = 1) -> list[Reply]:
    """One short message per card: number, title, gist, and its two buttons."""
    replies = []
    for number, card in enumerate(cards, start=start):
        text = card.text(turn.user.language)
        preview = f"{number}. {text.title}\n{card.gist(turn.user.language)}"
        replies.append(
            Reply(text=preview, options=card_buttons(turn, card.id, number), inline=True)
        )
    return replies


def card_buttons(turn: Turn, card_id: str, number: int) -> tuple[Option, ...]:
    """The 'read more' and 'save' options of the card shown at a number."""
    return (
        Option(id=f"card:{card_id}", label=turn.t("card_more"), key=f"m{number}"),
        Option(id=f"save:{card_id}", label=turn.t("card_save"), key=f"s{number}"),
    )


def options_on_screen(turn: Turn) -> list[Option]:
    """Options of the cards the conversation last showed, whatever step it is in."""
    ids = turn.state_value("cards") or []
    options = [
        option
        for n, card_id in enumerate(ids, start=1)
        for option in card_buttons(turn, str(card_id), n)
    ]
    offer = turn.state_value("offer")
    return [*options, prepare_option(turn, str(offer))] if offer else options


def prepare_option(turn: Turn, situation: str) -> Option:
    """The button that starts preparing a meeting about a situation."""
    return Option(id=f"prepare:{situation}", label=turn.t("prepare_offer_button"), key="p")


def cards_prompt(turn: Turn) -> list[Reply]:
    """Show again the cards last shown."""
    cards = _known_cards(turn, turn.state_value("cards") or [])
    return [turn.reply("cards_again"), *card_previews(turn, cards)] if cards else []


def open_card(turn: Turn, card_id: str) -> list[Reply] | None:
    """Show a whole card, with its sources; None for an unknown card."""
    card = turn.cards.get(card_id) if turn.cards else None
    if card is None:
        return None
    parts = [card.text(turn.user.language).title, card.plain_body(turn.user.language)]
    if card.sources:
        parts.append(turn.t("card_sources", sources="; ".join(card.sources)))
    save = Option(id=f"save:{card.id}", label=turn.t("card_save"), key="s")
    return [Reply(text="\n\n".join(parts), options=(save,))]


def save_card(turn: Turn, card_id: str) -> list[Reply] | None:
    """Keep a card for later; None for an unknown card."""
    card = turn.cards.get(card_id) if turn.cards else None
    if card is None or turn.user.id is None:
        return None
    added = turn.uow.saved_cards.add(turn.user.id, card.id, turn.now)
    key = "card_saved" if added else "card_already_saved"
    return [turn.reply(key, title=card.text(turn.user.language).title)]


def list_saved(turn: Turn) -> list[Reply]:
    """List the user's kept cards, newest first, each ready to open."""
    assert turn.user.id is not None
    cards = _known_cards(turn, turn.uow.saved_cards.for_user(turn.user.id))[:MAX_SAVED_LISTED]
    if not cards:
        return [turn.reply("saved_none")]
    turn.go("saved", cards=[card.id for card in cards])
    options = tuple(
        Option(id=f"card:{card.id}", label=card.text(turn.user.language).title, key=f"m{number}")
        for number, card in enumerate(cards, start=1)
    )
    return [Reply(text=turn.t("saved_list", count=len(cards)), options=options)]


def cards_for_result(turn: Turn, competencies: list[str]) -> list[Reply]:
    """Pick 2-3 cards for the weakest competencies, written for the user's role."""
    if turn.cards is None or not competencies:
        return []
    role = turn.user.role or "buyer"
    picked: list[Card] = []
    for competency, wanted in zip(competencies, (2, 1), strict=False):
        name = turn.content.framework.competency(competency)
        query = f"{name.name.in_(turn.user.language)}. {name.definition.in_(turn.user.language)}"
        tags = TagFilter.parse([f"competency:{competency}", f"audience:{role}"])
        try:
            hits = turn.cards.search(query, turn.user.language, k=wanted + len(picked), tags=tags)
        except SearchUnavailableError:
            return []  # the result still shows; cards are a bonus here
        picked += [hit.card for hit in hits if hit.card not in picked][:wanted]
    if not picked:
        return []
    state = dict(turn.user.state)
    turn.user.state = {**state, "cards": [card.id for card in picked]}
    return [turn.reply("result_cards_intro"), *card_previews(turn, picked)]


def _known_cards(turn: Turn, ids: list[str]) -> list[Card]:
    if turn.cards is None:
        return []
    found = [turn.cards.get(str(card_id)) for card_id in ids]
    return [card for card in found if card is not None]
