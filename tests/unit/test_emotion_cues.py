"""The emotion detector on its cues: negation, typos, intensity, situations, safety, meetings."""

from __future__ import annotations

import pytest

from bot.adapters.emotion.detector import EmotionDetector
from bot.adapters.nlp.text import within_one_edit
from bot.domain.emotions import Intensity, Intent, SafetyConcern


@pytest.mark.parametrize(
    ("message", "emotion"),
    [
        ("Third late delivery this month, I'm furious", "anger"),
        ("3e retard de livraison ce mois-ci, je suis furieux", "anger"),
        ("je suis enervé contre ce fournisseur", "anger"),  # no accent
        ("so frustated, we keep going round in circles with them", "frustration"),  # typo
        ("j'en ai marre, on tourne en rond avec leur plan d'action", "frustration"),
        ("j'ai la boule au ventre avant la réunion de demain", "anxiety"),
        ("I'm dreading tomorrow's call with their CEO", "anxiety"),
        ("ils nous ont menti sur les délais, je n'ai plus aucune confiance", "distrust"),
        ("I think they lied about the capacity", "distrust"),
        ("not angry, just disappointed they didn't keep their word", "disappointment"),
        ("pas en colère, juste déçu", "disappointment"),
        ("j'ai envie de baisser les bras sur ce dossier", "discouragement"),
        ("I'm completely swamped, too much on my plate", "stress"),
        ("je suis sous l'eau, tout en même temps", "stress"),
        ("c'est de ma faute, j'ai oublié de les prévenir", "guilt"),
        ("my bad, I messed up the forecast we sent them", "guilt"),
        ("meeting went well, I feel ready for Thursday 💪", "confidence"),
        ("je me sens serein pour la négo", "confidence"),
        ("how do I prepare an RFQ?", "neutral"),
        ("quelle durée de préavis pour arrêter un fournisseur ?", "neutral"),
    ],
)
def test_fixed_cases_in_both_languages(
    cue_detector: EmotionDetector, message: str, emotion: str
) -> None:
    assert cue_detector.analyze(message).primary == emotion


@pytest.mark.parametrize(
    "message",
    [
        "je ne suis pas inquiet, juste une question sur les audits",
        "I'm not worried at all, just asking about notice periods",
    ],
)
def test_a_negated_emotion_is_not_read_as_that_emotion(
    cue_detector: EmotionDetector, message: str
) -> None:
    reading = cue_detector.analyze(message)
    assert reading.primary != "anxiety"
    assert not reading.needs_acknowledging


def test_caps_and_exclamation_marks_raise_the_intensity(cue_detector: EmotionDetector) -> None:
    calm = cue_detector.analyze("I'm annoyed with the supplier")
    loud = cue_detector.analyze("I'M SO ANNOYED WITH THE SUPPLIER!!!")
    assert calm.primary == loud.primary == "anger"
    assert list(Intensity).index(loud.intensity) > list(Intensity).index(calm.intensity)


def test_a_diminisher_lowers_the_intensity(cue_detector: EmotionDetector) -> None:
    assert cue_detector.analyze("un peu stressé ce matin").intensity is Intensity.LOW
    assert (
        cue_detector.analyze("complètement débordé, trop de boulot").intensity is not Intensity.LOW
    )


def test_language_and_situations_are_read(cue_detector: EmotionDetector) -> None:
    reading = cue_detector.analyze(
        "le fournisseur veut une hausse de prix de 8 % et il livre en retard"
    )
    assert reading.language == "fr"
    assert {"price-increase", "late-delivery"} <= set(reading.situations)
    assert cue_detector.analyze("quality claim on the last batch, 8D needed").situations == (
        "quality-incident",
    )


@pytest.mark.parametrize(
    ("message", "concern"),
    [
        ("honestly I want to end it all", SafetyConcern.SELF_HARM),
        ("j'ai envie d'en finir", SafetyConcern.SELF_HARM),
        ("je suis en burn-out, je n'en peux plus", SafetyConcern.BURNOUT),
        (
            "my manager humiliates me in front of suppliers, it's harassment",
            SafetyConcern.HARASSMENT,
        ),
    ],
)
def test_safety_concerns_are_recognised(
    cue_detector: EmotionDetector, message: str, concern: SafetyConcern
) -> None:
    safety = cue_detector.analyze(message).safety
    assert safety is not None and safety.category is concern and safety.needs_hand_off


@pytest.mark.parametrize("message", ["stupid bot", "t'es nul"])
def test_an_insult_to_the_coach_is_an_intent_not_a_safety_concern(
    cue_detector: EmotionDetector, message: str
) -> None:
    reading = cue_detector.analyze(message)
    assert reading.intent is Intent.INSULT and reading.safety is None


@pytest.mark.parametrize(
    "message",
    ["this price increase is killing us", "we need to kill this deal", "je suis mort de rire"],
)
def test_ordinary_figures_of_speech_are_not_safety_concerns(
    cue_detector: EmotionDetector, message: str
) -> None:
    assert cue_detector.analyze(message).safety is None


@pytest.mark.parametrize(
    ("message", "upcoming"),
    [
        ("réunion demain avec le fournisseur pour la hausse", True),
        ("I'm seeing them tomorrow about the late deliveries", True),
        ("big negotiation on Thursday", True),
        ("la réunion d'hier s'est mal passée", False),
        ("how do I prepare an RFQ?", False),
    ],
)
def test_an_upcoming_meeting_is_noticed(
    cue_detector: EmotionDetector, message: str, upcoming: bool
) -> None:
    assert cue_detector.analyze(message).upcoming_meeting is upcoming


def test_the_json_reading_has_the_documented_shape(cue_detector: EmotionDetector) -> None:
    reading = cue_detector.analyze("3e retard ce mois, je suis furax !!!").as_json()
    assert set(reading) >= {"lang", "primary_emotion", "intensity", "emotions", "situations"}
    assert (
        reading["lang"] == "fr"
        and reading["primary_emotion"] == "anger"
        and reading["intensity"] == "high"
    )
    assert reading["situations"] == ["late-delivery"]
    scores = [e["score"] for e in reading["emotions"]]  # type: ignore[attr-defined]
    assert scores == sorted(scores, reverse=True) and 0 < scores[0] <= 1


@pytest.mark.parametrize(
    ("a", "b", "close"),
    [
        ("retard", "retrad", True),
        ("fournisseur", "fournisser", True),
        ("doute", "outre", False),
        ("vraie", "ravie", False),
    ],
)
def test_typo_tolerance_allows_one_edit_only(a: str, b: str, close: bool) -> None:
    assert within_one_edit(a, b) is close


@pytest.mark.parametrize(
    ("message", "language", "denied", "named"),
    [
        ("ya pas de retard cette fois, tout est là", "fr", "late-delivery", None),
        ("no quality issue this time, all parts passed", "en", "quality-incident", None),
        ("les pièces sont non conformes, encore", "fr", None, "quality-incident"),
        ("pas de retard mais les pièces sont non conformes", "fr", "late-delivery",
         "quality-incident"),
    ],
)  # fmt: skip
def test_a_situation_named_only_to_deny_it_is_not_the_situation(
    cue_detector: EmotionDetector, message: str, language: str, denied: str, named: str
) -> None:
    signals = cue_detector.cue_signals(message, language)  # type: ignore[arg-type]
    if denied:
        assert signals.get(f"denied:{denied}") and not signals.get(f"situation:{denied}")
    if named:
        assert signals.get(f"situation:{named}") and not signals.get(f"denied:{named}")


@pytest.mark.parametrize(
    ("message", "language", "ironic"),
    [
        ("génial. encore une livraison décalée", "fr", True),
        ("perfect, another 8D this week 🙄", "en", True),
        ("super, encore merci pour ton aide", "fr", False),
        ("great meeting, they accepted our plan", "en", False),
    ],
)
def test_praise_with_a_repetition_and_a_problem_reads_as_irony(
    cue_detector: EmotionDetector, message: str, language: str, ironic: bool
) -> None:
    assert bool(cue_detector.cue_signals(message, language)["irony"]) is ironic  # type: ignore[arg-type]
