"""The message reader: trained from its corpus, kept in the cache with a hash, rebuilt on change.

The encoder is a fake (hashed words, no model), so that these tests are about the reader's
training, storage and decisions; its quality on real messages is measured by `trustcoach eval`.
"""

from __future__ import annotations

import hashlib
import shutil
import zlib
from pathlib import Path

import numpy as np
import pytest
import yaml

from bot.adapters.emotion.factory import open_detector
from bot.adapters.nlp.encoders import Calibration, TextEncoder
from bot.adapters.nlp.text import words
from bot.adapters.reader.factory import open_reader
from bot.adapters.reader.features import Featurizer
from bot.adapters.reader.reader import signed_figure_first
from bot.adapters.reader.training import CUE_FILES
from bot.domain.emotions import EmotionReading, Intent, Meeting, SafetyConcern, SafetyLevel

ROOT = Path(__file__).resolve().parents[2]
DIMENSIONS = 64


class HashingEncoder(TextEncoder):
    """A stand-in sentence encoder: words hashed into a small unit vector."""

    name = "fake"
    model_name = "hashing"
    calibration = Calibration(0.3, 0.3, 1.0, bridge_french_queries=False)

    def __init__(self) -> None:
        super().__init__()
        self.encoded = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        """One hashed bag of words per text."""
        self.encoded += len(texts)
        rows = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in words(text):
                rows[row, zlib.crc32(word.encode()) % DIMENSIONS] += 1.0
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        return rows / np.where(norms == 0, 1.0, norms)

    def fingerprint(self) -> str:
        """Always the same engine."""
        return self._fingerprint_of(DIMENSIONS)


def _message(text: str, lang: str, emotion: str, **labels: object) -> dict[str, object]:
    base: dict[str, object] = {
        "text": text,
        "lang": lang,
        "side": "buyer",
        "emotion": emotion,
        "intensity": "low" if emotion == "neutral" else "medium",
        "situations": [],
        "intent": "question",
        "safety": "none",
        "safety_level": "none",
        "meeting": "none",
    }
    return base | labels


CORPUS = [
    _message("the supplier wants a 12% price increase", "en", "anxiety",
             situations=["price-increase"]),
    _message("another price increase letter, +9% on steel", "en", "anger",
             situations=["price-increase"], intent="venting"),
    _message("le fournisseur annonce une hausse de prix de 8 %", "fr", "anxiety",
             situations=["price-increase"]),
    _message("third late delivery this month", "en", "frustration",
             situations=["late-delivery"], intent="venting"),
    _message("encore une livraison en retard", "fr", "frustration",
             situations=["late-delivery"], intent="venting"),
    _message("I meet them tomorrow about the late delivery", "en", "stress",
             situations=["late-delivery"], meeting="tomorrow"),
    _message("hello", "en", "neutral", intent="greeting"),
    _message("bonjour", "fr", "neutral", intent="greeting"),
    _message("thanks a lot", "en", "confidence", intent="thanks"),
    _message("I cry every night and cannot sleep, I feel empty", "en", "discouragement",
             intent="venting", safety="burnout", safety_level="clear"),
    _message("je pleure tous les soirs, je ne dors plus, je suis vide", "fr", "discouragement",
             intent="venting", safety="burnout", safety_level="clear"),
]  # fmt: skip


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    """A knowledge folder with the real cue files and a small corpus, repeated to train on."""
    folder = tmp_path / "knowledge"
    for name in CUE_FILES:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "knowledge" / name, folder / name)
    for extra in ("emotions/prototypes.yaml", "emotions/insults.yaml"):
        if (ROOT / "knowledge" / extra).exists():
            shutil.copy(ROOT / "knowledge" / extra, folder / extra)
    corpus = folder / "reader" / "corpus"
    corpus.mkdir(parents=True)
    _write(corpus / "batch-a.yaml", CORPUS * 6)
    return folder


def _write(path: Path, messages: list[dict[str, object]]) -> None:
    path.write_text(yaml.safe_dump({"messages": messages}, allow_unicode=True), encoding="utf-8")


def test_the_reader_trains_once_then_loads_from_the_cache(knowledge: Path, tmp_path: Path) -> None:
    encoder = HashingEncoder()
    _, first = open_reader(knowledge, tmp_path / "cache", encoder)
    assert (first.action, first.messages) == ("trained", len(CORPUS) * 6)
    _, again = open_reader(knowledge, tmp_path / "cache", HashingEncoder())
    assert again.action == "loaded"
    stored = list((tmp_path / "cache" / "reader").glob("*/weights.npz"))
    assert len(stored) == 1
    with np.load(stored[0], allow_pickle=False) as arrays:  # plain arrays, no pickle
        assert "emotion.weights" in arrays.files


def test_a_changed_corpus_or_cue_file_retrains(knowledge: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    open_reader(knowledge, cache, HashingEncoder())
    _write(knowledge / "reader" / "corpus" / "batch-b.yaml", CORPUS[:3])
    _, report = open_reader(knowledge, cache, HashingEncoder())
    assert (report.action, report.messages) == ("trained", len(CORPUS) * 6 + 3)
    cues = knowledge / "emotions" / "cues.yaml"
    cues.write_text(cues.read_text(encoding="utf-8") + "\n# a new comment\n", encoding="utf-8")
    assert open_reader(knowledge, cache, HashingEncoder())[1].action == "trained"


def test_weights_that_do_not_match_their_hash_are_rebuilt(knowledge: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    open_reader(knowledge, cache, HashingEncoder())
    (weights,) = (cache / "reader").glob("*/weights.npz")
    weights.write_bytes(weights.read_bytes()[:-10] + b"0123456789")
    _, report = open_reader(knowledge, cache, HashingEncoder())
    assert report.action == "trained"
    manifest = yaml.safe_load((weights.parent / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["sha256"] == hashlib.sha256(weights.read_bytes()).hexdigest()


def test_a_message_without_every_label_is_refused_with_its_file(
    knowledge: Path, tmp_path: Path
) -> None:
    broken = {k: v for k, v in CORPUS[0].items() if k != "intent"}
    _write(knowledge / "reader" / "corpus" / "batch-c.yaml", [broken])
    with pytest.raises(ValueError, match=r"batch-c\.yaml"):
        open_reader(knowledge, tmp_path / "cache", HashingEncoder())


def test_the_trained_reader_reads_what_it_was_taught(knowledge: Path, tmp_path: Path) -> None:
    reader, _ = open_reader(knowledge, tmp_path / "cache", HashingEncoder())
    price = reader.analyze("the supplier wants a 12% price increase")
    assert "price-increase" in price.situations and price.safety is None
    assert price.intent is Intent.QUESTION
    late = reader.analyze("I meet them tomorrow about the late delivery")
    assert late.meeting is Meeting.TOMORROW and late.upcoming_meeting
    assert reader.analyze("bonjour", "fr").intent is Intent.GREETING
    distress = reader.analyze("je pleure tous les soirs, je ne dors plus, je suis vide", "fr")
    assert distress.language == "fr"
    assert distress.safety is not None and distress.safety.category is SafetyConcern.BURNOUT


def test_a_plain_safety_phrase_is_a_clear_concern_whatever_the_heads_say(
    knowledge: Path, tmp_path: Path
) -> None:
    reader, _ = open_reader(knowledge, tmp_path / "cache", HashingEncoder())
    reading = reader.analyze("I want to kill myself")
    assert reading.safety is not None
    assert reading.safety.level is SafetyLevel.CLEAR and reading.safety.needs_hand_off


def test_one_encoding_of_a_message_serves_the_reader_and_the_search(
    knowledge: Path, tmp_path: Path
) -> None:
    encoder = HashingEncoder()
    reader, _ = open_reader(knowledge, tmp_path / "cache", encoder)
    before = encoder.encoded
    reader.analyze("a brand new message about a late delivery")
    encoder.query_vector("a brand new message about a late delivery")  # what the search asks
    assert encoder.encoded == before + 1


def test_a_denied_situation_and_ironic_praise_are_read_for_what_they_mean(
    knowledge: Path, tmp_path: Path
) -> None:
    encoder = HashingEncoder()
    reader, _ = open_reader(knowledge, tmp_path / "cache", encoder)
    cues = open_detector(knowledge, tmp_path / "cache", None)
    featurizer = Featurizer(encoder, cues)

    def read(message: str, **overrides: float) -> EmotionReading:
        found = {**cues.cue_signals(message, "en"), **overrides}
        return reader.decide(message, "en", featurizer.one(message, "en", found)[None, :], found)

    denied = "there was no late delivery this time"
    assert "late-delivery" in read(denied, **{"denied:late-delivery": 0.0}).situations
    assert "late-delivery" not in read(denied).situations  # the denial is what removes it
    ironic = "thanks a lot, yet again another late delivery"
    assert read(ironic, irony=0.0).primary == "confidence"  # the heads alone take the praise
    assert read(ironic).primary == "frustration"  # irony: the praise is not meant


def test_weights_trained_apart_are_loaded_and_not_trained_again(
    knowledge: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    calls: list[int] = []

    def apart() -> None:  # what the child process does: train and publish into the cache
        calls.append(1)
        open_reader(knowledge, cache, HashingEncoder(), retrain=True)

    _, report = open_reader(knowledge, cache, HashingEncoder(), trainer=apart)
    assert report.action == "trained apart" and calls == [1]
    _, again = open_reader(knowledge, cache, HashingEncoder(), trainer=apart)
    assert again.action == "loaded" and calls == [1]


def test_a_trainer_that_fails_leaves_the_training_to_this_process(
    knowledge: Path, tmp_path: Path
) -> None:
    _, report = open_reader(knowledge, tmp_path / "cache", HashingEncoder(), trainer=lambda: None)
    assert report.action == "trained" and report.messages == len(CORPUS) * 6


@pytest.mark.parametrize(
    ("message", "found", "first"),
    [
        ("they sent the +14% letter on a friday at 5pm", ("late-delivery", "price-increase"),
         "price-increase"),
        ("ils veulent 7 % de plus au T2", ("cost-reduction", "price-increase"), "price-increase"),
        ("le client exige -3 % par an", ("payment-delay", "cost-reduction"), "cost-reduction"),
        ("late again, third time", ("late-delivery", "price-increase"), "late-delivery"),
    ],
)  # fmt: skip
def test_a_signed_figure_puts_its_situation_first(
    message: str, found: tuple[str, ...], first: str
) -> None:
    ordered = signed_figure_first(message, found)
    assert ordered[0] == first and set(ordered) == set(found)
