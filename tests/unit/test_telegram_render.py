"""How replies become Telegram messages: merged texts, keyboards, split long texts."""

from __future__ import annotations

from bot.channels.telegram.render import keyboard, merge_texts, split_text
from bot.domain.dialogue import Attachment, Option, Reply


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
        Option("back:1", "← back", "b"),
    )
    rows = keyboard(Reply(text="1/10", options=options, inline=True))
    assert rows is not None
    assert [len(row) for row in rows.inline_keyboard] == [5, 1]


def test_every_part_of_a_long_text_fits_telegram() -> None:
    parts = split_text("word " * 3000)
    assert len(parts) == 4 and all(len(part) <= 4096 for part in parts)
