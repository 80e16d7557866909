"""The conversation protocol: flows, option verbs, and the one codec of option ids.

An option id is what a button sends back and what the coach stores for a typed key:
`verb:field:field`, ASCII only, at most 64 bytes (Telegram's callback limit). Each verb has one
typed value class (see options.py); `decode` parses an id once into that value and refuses,
without raising, anything malformed: an unknown verb, a wrong number of fields, a number that is
not plain ASCII digits or is out of its range, a word outside its pattern. Handlers then receive
typed values and never split strings themselves.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal, TypeVar, get_args, get_origin

MAX_ID_BYTES = 64  # Telegram's limit for callback data
MAX_ID_VALUE = 2**31 - 1  # database ids are 32-bit integer columns
ASCII_DIGITS = re.compile(r"0|[1-9][0-9]{0,9}")
SEPARATOR = ":"


class Flow(StrEnum):
    """The step a conversation is in; stored with the user, so any process can continue it."""

    MENU = "menu"
    LANGUAGE = "language"
    ROLE = "role"
    ASSESSMENT = "assessment"
    RESUME = "resume"
    FOCUS_OFFER = "focus_offer"
    FOCUS = "focus"
    FOCUS_REGISTER = "focus_register"
    FOCUS_COMPETENCY = "focus_competency"
    CARDS = "cards"
    SAVED = "saved"
    CLARIFY = "clarify"
    MOOD = "mood"
    PREPARE = "prepare"
    DEBRIEF = "debrief"
    DEBRIEF_OFFER = "debrief_offer"
    TRAINER_NAME = "trainer_name"
    TRAINER = "trainer"
    COHORT_NAME = "cohort_name"
    COHORT = "cohort"
    ASSIGN = "assign"
    JOIN_CODE = "join_code"
    JOIN_CONSENT = "join_consent"
    JOIN_NAME = "join_name"
    REFLECT = "reflect"
    RATE = "rate"
    TIME_ZONE = "time_zone"
    FORGET = "forget"


class Verb(StrEnum):
    """The first field of an option id: what choosing the option does."""

    LANGUAGE = "lang"
    ROLE = "role"
    MENU = "menu"
    ANSWER = "ans"
    BACK = "back"
    RESUME = "resume"
    RESTART = "restart"
    FOCUS = "focus"
    FOCUS_CHANGE = "focuschg"
    FOCUS_AUTO = "focusauto"
    FOCUS_REGISTER = "focusreg"
    CARD = "card"
    SAVE = "save"
    CLARIFY = "clarify"
    PREPARE = "prepare"
    PREPARE_SITUATION = "prepsit"
    PREPARE_FEELING = "prepfeel"
    PREPARE_SKIP = "prepskip"
    PREPARE_BACK = "prepback"
    PREPARE_NEW = "prepnew"
    DEBRIEF_LATER = "dblater"
    DEBRIEF_START = "dbstart"
    SAFETY_HELP = "help"
    CHECK_IN_FINE = "fine"
    DEBRIEF_SCORE = "debrief"
    MOOD = "mood"
    TRAINER = "trainer"
    COHORT_NEW = "cohnew"
    COHORT = "coh"
    COHORT_ASSIGN = "coasg"
    COHORT_REPORT = "corep"
    COHORT_EXPORT = "coexp"
    COHORT_ROTATE = "corot"
    COHORT_REVOKE = "corev"
    ASSIGN_REGISTER = "asgreg"
    ASSIGN_CARD = "asgcard"
    ASSIGN_TO = "asgto"
    ASSIGN_DUE = "asgdue"
    ASSIGN_NO_NOTE = "asgnote"
    JOIN_ACCEPT = "joinok"
    JOIN_DECLINE = "joinno"
    LEAVE = "leave"
    EXERCISE_OPEN = "exo"
    EXERCISE_DONE = "exdone"
    EXERCISE_LATER = "exlater"
    EXERCISE_RATE = "exrate"
    WEEKLY_PICK = "wkpick"
    WEEKLY = "weekly"
    FORGET_YES = "forgetyes"
    FORGET_NO = "forgetno"
    WEEKLY_CHECK = "wkcheck"
    TIME_ZONE = "tz"


@dataclass(frozen=True)
class Between:
    """Bounds of a number field (both included)."""

    low: int
    high: int


@dataclass(frozen=True)
class Pattern:
    """The shape a word field must have (a full match)."""

    regex: str


# Field types the option values use: ids are positive database ids, words are short tokens.
Id = Annotated[int, Between(1, MAX_ID_VALUE)]
CardId = Annotated[str, Pattern(r"[a-z0-9][a-z0-9-]{0,55}")]
Word = Annotated[str, Pattern(r"[a-z0-9][a-z0-9._-]{0,40}")]


class OptionValue:
    """Base of the typed values option ids stand for; subclasses are frozen dataclasses."""

    VERB: ClassVar[Verb]

    @property
    def id(self) -> str:
        """The option id of this value."""
        return encode(self)


V = TypeVar("V", bound=OptionValue)
FieldParser = Callable[[str], object | None]
_VALUES: dict[Verb, type[OptionValue]] = {}
_PARSERS: dict[Verb, tuple[FieldParser, ...]] = {}
_FIELDS: dict[Verb, tuple[str, ...]] = {}


@typing.dataclass_transform(frozen_default=True)
def option(verb: Verb) -> Callable[[type[V]], type[V]]:
    """Declare the typed value of a verb: a frozen dataclass whose fields the codec parses."""

    def register(cls: type[V]) -> type[V]:
        if verb in _VALUES:
            raise ValueError(f"verb {verb} declared twice")
        declared = dataclass(frozen=True)(cls)
        declared.VERB = verb
        hints = typing.get_type_hints(declared, include_extras=True)
        fields = dataclasses.fields(declared)  # type: ignore[arg-type]
        _PARSERS[verb] = tuple(_parser_for(hints[field.name]) for field in fields)
        _FIELDS[verb] = tuple(field.name for field in fields)
        _VALUES[verb] = declared
        return declared

    return register


def encode(value: OptionValue) -> str:
    """The option id of a typed value; raises ValueError if it would not fit a button.

    Each field is checked by the parser decode uses, so that every id given out reads back.
    """
    verb = value.VERB
    parts = [str(getattr(value, name)) for name in _FIELDS[verb]]
    raw = SEPARATOR.join([verb.value, *parts])
    parsed = [parse(part) for parse, part in zip(_PARSERS[verb], parts, strict=True)]
    if len(raw) > MAX_ID_BYTES or not raw.isascii() or any(p is None for p in parsed):
        raise ValueError(f"option {value!r} has no valid id")
    return raw


def decode(raw: str) -> OptionValue | None:
    """The typed value an option id stands for, or None if it is malformed (never raises)."""
    if not isinstance(raw, str) or len(raw) > MAX_ID_BYTES or not raw.isascii():
        return None
    head, _, rest = raw.partition(SEPARATOR)
    verb = _verb(head)
    if verb is None:
        return None
    parsers = _PARSERS[verb]
    parts = rest.split(SEPARATOR) if parsers else []
    if not parsers and rest:
        return None
    if len(parts) != len(parsers):
        return None
    values = [parse(part) for parse, part in zip(parsers, parts, strict=True)]
    if any(value is None for value in values):
        return None
    return _VALUES[verb](*values)


def value_type(verb: Verb) -> type[OptionValue]:
    """The typed value class declared for a verb."""
    return _VALUES[verb]


def declared_verbs() -> set[Verb]:
    """The verbs that have a typed value (every verb, once options.py is imported)."""
    return set(_VALUES)


def _verb(head: str) -> Verb | None:
    try:
        return Verb(head)
    except ValueError:
        return None


def _parser_for(hint: Any) -> FieldParser:
    base: Any = hint
    extras: tuple[object, ...] = ()
    if get_origin(hint) is Annotated:
        base, *rest = get_args(hint)
        extras = tuple(rest)
    if base is int:
        bounds = next((x for x in extras if isinstance(x, Between)), Between(0, MAX_ID_VALUE))
        return lambda text: _parse_int(text, bounds)
    if base is str:
        shape = next((x for x in extras if isinstance(x, Pattern)), Pattern(r"[a-z0-9-]{1,40}"))
        compiled = re.compile(shape.regex)
        return lambda text: text if compiled.fullmatch(text) else None
    if get_origin(base) is Literal:
        allowed = {str(choice): choice for choice in get_args(base)}
        return allowed.get
    if isinstance(base, type) and issubclass(base, StrEnum):
        enum = base
        return lambda text: enum(text) if text in enum._value2member_map_ else None
    if isinstance(base, types.UnionType):
        raise TypeError(f"option fields cannot be unions: {hint}")
    raise TypeError(f"unsupported option field type {hint}")


def _parse_int(text: str, bounds: Between) -> int | None:
    # Plain ASCII digits only: int() would accept "٣" or " 3", and isdigit() lets "²" through.
    if not ASCII_DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if bounds.low <= value <= bounds.high else None
