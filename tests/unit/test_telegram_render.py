"""How replies become Telegram messages: merged texts, keyboards, split long texts."""

from __future__ import annotations

from bot.channels.telegram.render import keyboard, merge_cards, merge_texts, split_text
from bot.domain.dialogue import Attachment, Layout, Option, Reply


def test_plain_texts_join_the_next_message_with_its_buttons() -> None:
    menu = Reply(text="What next?", options=(Option("menu:check", "Quick self-check", "1"),))
    merged = merge_texts([Reply(text="Hello"), Reply(text="Noted."), menu])
    assert len(merged) == 1
    assert merged[0].text == "Hello\n\nNoted.\n\nWhat next?" and merged[0].options == menu.options


def test_files_and_trailing_texts_keep_their_own_messages() -> None:
    sheet = Reply(text="", attachment=Attachment(b"# sheet", "sheet.md"))
    merged = merge_texts(
        [Reply(text="Your sheet:"), sheet, Reply(text="After the meeting: /debrief")]
    )
    assert [r.text for r in merged] == ["Your sheet:", "After the meeting: /debrief"]
    assert merged[0].attachment is not None


def test_a_scale_is_one_row_and_other_buttons_follow() -> None:
    options = (
        *tuple(Option(f"ans:1:0:{v}", str(v), str(v)) for v in range(1, 6)),
        Option("back:1", "← back", "b", group=1),
    )
    rows = keyboard(Reply(text="1/10", options=options, layout=Layout.SCALE))
    assert rows is not None
    assert [len(row) for row in rows.inline_keyboard] == [5, 1]


def test_every_part_of_a_long_text_fits_telegram() -> None:
    parts = split_text("word " * 3000)
    assert len(parts) == 4 and all(len(part) <= 4096 for part in parts)


def test_card_previews_travel_as_one_message_with_a_numbered_row_per_card() -> None:
    def card(number: int) -> Reply:
        options = (
            Option(f"card:c{number}", "Read more", f"m{number}", stays=True, group=number),
            Option(f"save:c{number}", "Save", f"s{number}", stays=True, group=number),
        )
        return Reply(text=f"{number}. Title {number}", options=options, layout=Layout.CARDS)

    offer = Reply(text="Make it your focus?", options=(Option("focus:x", "Yes", "f"),))
    merged = merge_texts(
        merge_cards([Reply(text="Here is what may help:"), card(1), card(2), offer])
    )
    assert [r.text for r in merged] == [
        "Here is what may help:\n\n1. Title 1\n\n2. Title 2",
        "Make it your focus?",
    ]
    rows = keyboard(merged[0])
    assert rows is not None
    assert [[b.text for b in row] for row in rows.inline_keyboard] == [
        ["1 · Read more", "1 · Save"],
        ["2 · Read more", "2 · Save"],
    ]
    single = keyboard(card(1))
    assert single is not None and single.inline_keyboard[0][0].text == "1 · Read more"
