"""The message reader with the real multilingual encoder: floors on labelled sets it never saw.

The reader trains on knowledge/reader/corpus; these sets were written by other people, blind to
it. The floors are set under the figures in the README, against regressions, not as goals.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.emotion.data import load_labelled_messages
from bot.adapters.nlp.encoders import open_encoder
from bot.adapters.reader.factory import open_reader
from bot.adapters.reader.reader import MessageReader
from bot.domain.taxonomy import EMOTIONS
from bot.services.evaluation import ReaderScorecard, evaluate_reader

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT / "knowledge" / "eval"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> MessageReader:
    """The trained reader on the default encoder."""
    trained, _ = open_reader(
        ROOT / "knowledge", tmp_path_factory.mktemp("cache"), open_encoder("use")
    )
    return trained


def _cards(reader: MessageReader, name: str) -> list[ReaderScorecard]:
    return evaluate_reader(load_labelled_messages(EVAL / name), reader.analyze, EMOTIONS)


def test_plain_emotions_are_read_in_both_languages(reader: MessageReader) -> None:
    for card in _cards(reader, "emotions.yaml") + _cards(reader, "emotions_holdout.yaml"):
        assert card.emotions.macro_f1 >= 0.75, (card.language, card.emotions.f1)


@pytest.mark.parametrize("name", ["messages_en.yaml", "messages_fr.yaml"])
def test_realistic_messages_keep_their_floors(reader: MessageReader, name: str) -> None:
    (card,) = _cards(reader, name)
    assert card.emotions.accuracy >= 0.50 and card.lenient_accuracy >= 0.65
    assert card.intent_accuracy >= 0.80 and card.meeting_accuracy >= 0.80
    assert card.situation_recall >= 0.80
    assert card.safety_recall >= 0.90


def test_distress_is_caught_in_both_languages(reader: MessageReader) -> None:
    for card in _cards(reader, "safety.yaml"):
        assert card.distress >= 80 and card.safety_recall >= 0.90, card.language
        assert card.hand_off_recall >= 0.80, card.language


@pytest.mark.parametrize(
    ("message", "situation"),
    [
        ("mon fournisseur m'annonce +12 % sur la fonte, je le vois demain 10h", "price-increase"),
        ("they want an uplift of 7% from January", "price-increase"),
        ("l'AO est lancé, trois candidats, réponse vendredi", "tender"),
        ("8D demandé après 400 PPM sur le dernier lot", "quality-incident"),
    ],
)
def test_numbers_and_abbreviations_name_the_situation(
    reader: MessageReader, message: str, situation: str
) -> None:
    assert situation in reader.analyze(message).situations
