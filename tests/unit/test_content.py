"""The content files: framework, items and texts load, and broken files are named precisely."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.adapters.content.loader import ContentError, load_content, load_framework, load_messages
from bot.domain.assessment import InstrumentId
from bot.domain.content import Content
from bot.domain.messages import placeholders

ROOT = Path(__file__).resolve().parents[2]
TAXONOMY_COMPETENCIES = [
    "altruism.empathy", "altruism.listening", "altruism.support", "altruism.recognition",
    "justice.fairness", "justice.reliability", "justice.transparency", "justice.respect",
    "prudence.long-term", "prudence.anticipation", "prudence.discernment",
    "courage.candor", "courage.vulnerability", "courage.accountability", "courage.integrity",
    "temperance.self-control", "temperance.adaptability", "temperance.patience",
]  # fmt: skip


def test_framework_has_the_taxonomy_ids_in_order_with_both_languages(content: Content) -> None:
    framework = content.framework
    assert [r.id for r in framework.registers] == [
        "altruism",
        "justice",
        "prudence",
        "courage",
        "temperance",
    ]
    assert [c.id for c in framework.competencies] == TAXONOMY_COMPETENCIES
    for competency in framework.competencies:
        assert (
            competency.name.en
            and competency.name.fr
            and competency.definition.fr != competency.definition.en
        )


def test_quick_check_has_ten_items_two_per_register_some_reversed(content: Content) -> None:
    quick = content.instrument(InstrumentId.QUICK)
    registers = [content.framework.competency(item.competency).register for item in quick.items]
    assert len(quick) == 10
    assert all(registers.count(r.id) == 2 for r in content.framework.registers)
    assert any(item.reverse for item in quick.items)


def test_full_assessment_has_two_items_per_competency_worded_for_each_role(
    content: Content,
) -> None:
    full = content.instrument(InstrumentId.FULL)
    assert len(full) == 36
    assert sorted({item.competency for item in full.items}) == sorted(TAXONOMY_COMPETENCIES)
    assert 6 <= sum(item.reverse for item in full.items) <= 18
    for item in full.items:
        assert item.text("buyer", "en") != item.text("supplier", "en")
        assert item.text("buyer", "fr") != item.text("buyer", "en")


def test_every_text_exists_in_both_languages_with_the_same_placeholders(content: Content) -> None:
    messages = content.messages
    assert messages.keys("en") == messages.keys("fr")
    for key in messages.keys("en"):
        assert placeholders(messages.template("en", key)) == placeholders(
            messages.template("fr", key)
        ), key


def test_every_text_key_used_in_the_code_exists() -> None:
    import re

    used = set()
    for path in (ROOT / "bot").rglob("*.py"):
        used |= set(re.findall(r'(?:\.t|\.reply|\.text)\(\s*"([a-z_0-9]+)"', path.read_text()))
    known = load_messages(ROOT / "prompts").keys("en")
    assert used and used <= known, sorted(used - known)


def _copy_knowledge(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", target, ignore=shutil.ignore_patterns("cards"))
    return target


def test_a_missing_translation_is_reported_with_file_and_field(tmp_path: Path) -> None:
    knowledge = _copy_knowledge(tmp_path)
    path = knowledge / "framework.yaml"
    data = yaml.safe_load(path.read_text())
    del data["competencies"][3]["definition"]["fr"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(ContentError) as error:
        load_framework(path)
    assert str(path) in str(error.value)
    assert "competencies.3.definition.fr" in str(error.value)


def test_an_item_on_an_unknown_competency_is_reported(tmp_path: Path) -> None:
    knowledge = _copy_knowledge(tmp_path)
    path = knowledge / "items" / "full.yaml"
    data = yaml.safe_load(path.read_text())
    data["items"][5]["competency"] = "justice.kindness"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(ContentError, match=r"full\.yaml: items\.5\.competency: unknown competency"):
        load_content(knowledge, ROOT / "prompts")


def test_a_quick_check_missing_a_register_is_refused(tmp_path: Path) -> None:
    knowledge = _copy_knowledge(tmp_path)
    path = knowledge / "items" / "quick.yaml"
    data = yaml.safe_load(path.read_text())
    data["items"] = [
        item for item in data["items"] if not item["competency"].startswith("courage.")
    ]
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(ContentError, match="'courage' needs 2 items"):
        load_content(knowledge, ROOT / "prompts")


def test_a_text_missing_in_french_is_reported(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", prompts)
    french = prompts / "fr.yaml"
    french.write_text(
        "\n".join(
            line for line in french.read_text().splitlines() if not line.startswith("goodbye:")
        )
    )
    with pytest.raises(ContentError, match=r"fr\.yaml: goodbye"):
        load_messages(prompts)


def test_invalid_yaml_is_reported_not_crashed(tmp_path: Path) -> None:
    knowledge = _copy_knowledge(tmp_path)
    (knowledge / "framework.yaml").write_text("registers: [unclosed\n")
    with pytest.raises(ContentError, match="not valid YAML"):
        load_framework(knowledge / "framework.yaml")
