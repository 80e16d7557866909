"""The conversation protocol: every option id decodes into its typed value and back, and anything
malformed is refused without an exception."""

from __future__ import annotations

import dataclasses
import random
import string
import typing

import pytest

from bot.services.conversation import options
from bot.services.conversation.protocol import (
    MAX_ID_BYTES,
    MAX_ID_VALUE,
    Between,
    Flow,
    OptionValue,
    Pattern,
    Verb,
    declared_verbs,
    decode,
    encode,
    value_type,
)
from bot.services.conversation.state import data_type
from bot.services.router import ROUTER

RANDOM = random.Random(20261201)


def _sample(hint: object) -> object:
    """A valid random value for a field type of an option value."""
    base, extras = hint, ()
    if typing.get_origin(hint) is typing.Annotated:
        base, *rest = typing.get_args(hint)
        extras = tuple(rest)
    if base is int:
        bounds = next((e for e in extras if isinstance(e, Between)), Between(0, MAX_ID_VALUE))
        return RANDOM.choice([bounds.low, bounds.high, RANDOM.randint(bounds.low, bounds.high)])
    if base is str:
        pattern = next(e for e in extras if isinstance(e, Pattern))
        return "justice.kindness" if "\\." in pattern.regex else "late-delivery-3"
    return RANDOM.choice(typing.get_args(base))


def _valid_values() -> list[OptionValue]:
    values = []
    for verb in Verb:
        cls = value_type(verb)
        hints = typing.get_type_hints(cls, include_extras=True)
        for _ in range(5):
            fields = [_sample(hints[f.name]) for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
            values.append(cls(*fields))
    return values


def test_every_verb_has_a_typed_value_and_a_route() -> None:
    assert declared_verbs() == set(Verb)
    routed = set(ROUTER.table.choices)
    assert {value_type(verb) for verb in Verb} == routed


def test_every_flow_has_a_step_with_a_prompt() -> None:
    assert set(ROUTER.table.steps) == set(Flow)


@pytest.mark.parametrize("value", _valid_values(), ids=lambda v: type(v).__name__)
def test_every_value_survives_its_id_and_fits_a_telegram_button(value: OptionValue) -> None:
    raw = encode(value)
    assert decode(raw) == value
    assert raw.isascii() and len(raw.encode()) <= MAX_ID_BYTES


@pytest.mark.parametrize(
    "raw",
    [
        "",
        ":",
        "ans",
        "ans:",
        "ans:1:2",
        "ans:1:2:3:4",
        "ans:1:0:6",
        "ans:0:0:3",  # ids start at 1
        "ans:01:0:3",  # no leading zeros: one spelling per value
        "ans:+1:0:3",
        "ans:-1:0:3",
        "ans: 1:0:3",
        "ans:1.0:0:3",
        "ans:١:0:3",  # Arabic-Indic digit: int() would take it
        "ans:1:0:٣",
        "ans:1:0:²",  # isdigit() says yes, int() raises
        "ans:1:0:⑤",
        "ans:12345678901234567890:0:3",
        f"ans:{MAX_ID_VALUE + 1}:0:3",
        "lang:de",
        "lang:FR",
        "role:ceo",
        "focus:change",  # focus changes have their own verbs now
        "focus:justice",
        "card:../etc/passwd",
        "card:Card",
        "card:" + "a" * 57,
        "prepskip:now",
        "wkcheck:maybe",
        "nothing",
        "ANS:1:0:3",
        "é" * 30,
        "x" * 200,
    ],
)
def test_malformed_ids_are_refused_not_raised(raw: str) -> None:
    assert decode(raw) is None


def test_random_strings_never_raise() -> None:
    alphabet = string.printable + "²³⑤٣éàç:::" + "\x00\u202e"
    verbs = [verb.value for verb in Verb]
    for _ in range(20_000):
        head = RANDOM.choice([*verbs, "".join(RANDOM.choices(alphabet, k=4))])
        tail = ":".join(
            "".join(RANDOM.choices(alphabet, k=RANDOM.randint(0, 12)))
            for _ in range(RANDOM.randint(0, 4))
        )
        value = decode(f"{head}:{tail}")
        assert value is None or decode(encode(value)) == value


def test_a_value_that_would_not_fit_a_button_cannot_be_encoded() -> None:
    with pytest.raises(ValueError, match="no valid id"):
        encode(options.OpenCard("Not A Card Id"))


def test_old_ids_without_fields_still_decode() -> None:
    # Buttons sent before this protocol ended no-field ids with a colon.
    assert decode("cohnew:") == options.NewCohort()
    assert decode("trainer:") == options.TrainerHome()


def test_step_data_is_declared_for_the_flows_that_keep_some() -> None:
    keeping = {flow for flow in Flow if data_type(flow) is not None}
    assert Flow.ASSESSMENT in keeping and Flow.ASSIGN in keeping
    assert Flow.MENU not in keeping and Flow.LANGUAGE not in keeping
