"""Reads framework, assessment items and message catalogues, refusing broken files by name."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from bot.domain.assessment import Instrument, InstrumentId, Item
from bot.domain.content import Content
from bot.domain.framework import LANGUAGES, Competency, Framework, LocalizedText, Register
from bot.domain.messages import Messages, placeholders

REGISTER_IDS = ("altruism", "justice", "prudence", "courage", "temperance")
QUICK_ITEMS_PER_REGISTER = 2
FULL_ITEMS_PER_COMPETENCY = 2

ModelT = TypeVar("ModelT", bound=BaseModel)

# The C loader is several times faster and just as safe; fall back where libyaml is missing.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class ContentError(ValueError):
    """A content file is missing or broken; the message names the file and the field."""

    def __init__(self, path: Path, field: str, problem: str) -> None:
        super().__init__(f"{path}: {field}: {problem}" if field else f"{path}: {problem}")
        self.path = path
        self.field = field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Text(_Strict):
    en: NonEmpty
    fr: NonEmpty

    def domain(self) -> LocalizedText:
        return LocalizedText(en=self.en, fr=self.fr)


class _Register(_Strict):
    id: Literal["altruism", "justice", "prudence", "courage", "temperance"]
    name: _Text
    definition: _Text


class _Competency(_Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z]+\.[a-z-]+$")]
    register_id: Literal["altruism", "justice", "prudence", "courage", "temperance"] = Field(
        alias="register"
    )
    name: _Text
    definition: _Text


class _FrameworkFile(_Strict):
    registers: list[_Register] = Field(min_length=5, max_length=5)
    competencies: list[_Competency] = Field(min_length=18, max_length=18)


class _Wording(_Strict):
    buyer: _Text
    supplier: _Text


class _Item(_Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$")]
    competency: str
    reverse: bool
    text: _Wording


class _ItemsFile(_Strict):
    instrument: Literal["quick", "full"]
    items: list[_Item] = Field(min_length=1)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except FileNotFoundError as error:
        raise ContentError(path, "", "file not found") from error
    except yaml.YAMLError as error:
        raise ContentError(path, "", f"not valid YAML ({error})") from error


def _parse(model: type[ModelT], path: Path) -> ModelT:
    data = _read_yaml(path)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise ContentError(path, field, first["msg"]) from error


def load_framework(path: Path) -> Framework:
    """Load the registers and competencies, checking their ids against the taxonomy."""
    parsed = _parse(_FrameworkFile, path)
    register_ids = [r.id for r in parsed.registers]
    if sorted(register_ids) != sorted(REGISTER_IDS):
        raise ContentError(path, "registers", f"must be exactly {', '.join(REGISTER_IDS)}")
    seen: set[str] = set()
    for index, competency in enumerate(parsed.competencies):
        where = f"competencies.{index}.id"
        if competency.id in seen:
            raise ContentError(path, where, f"duplicate id '{competency.id}'")
        if competency.id.split(".")[0] != competency.register_id:
            raise ContentError(
                path, where, f"'{competency.id}' is not in register '{competency.register_id}'"
            )
        seen.add(competency.id)
    return Framework(
        registers=[
            Register(r.id, r.name.domain(), r.definition.domain()) for r in parsed.registers
        ],
        competencies=[
            Competency(c.id, c.register_id, c.name.domain(), c.definition.domain())
            for c in parsed.competencies
        ],
    )


def load_instrument(path: Path, framework: Framework) -> Instrument:
    """Load an instrument's items and check they cover the framework as the instrument requires."""
    parsed = _parse(_ItemsFile, path)
    items: list[Item] = []
    seen: set[str] = set()
    for index, item in enumerate(parsed.items):
        if item.id in seen:
            raise ContentError(path, f"items.{index}.id", f"duplicate id '{item.id}'")
        if not framework.has_competency(item.competency):
            raise ContentError(
                path, f"items.{index}.competency", f"unknown competency '{item.competency}'"
            )
        seen.add(item.id)
        items.append(
            Item(
                item.id,
                item.competency,
                item.reverse,
                item.text.buyer.domain(),
                item.text.supplier.domain(),
            )
        )
    instrument = Instrument(InstrumentId(parsed.instrument), tuple(items))
    _check_coverage(path, instrument, framework)
    return instrument


def _check_coverage(path: Path, instrument: Instrument, framework: Framework) -> None:
    counts: dict[str, int] = {}
    for item in instrument.items:
        key = (
            item.competency
            if instrument.id is InstrumentId.FULL
            else framework.competency(item.competency).register
        )
        counts[key] = counts.get(key, 0) + 1
    if instrument.id is InstrumentId.FULL:
        expected = {c.id: FULL_ITEMS_PER_COMPETENCY for c in framework.competencies}
    else:
        expected = {r.id: QUICK_ITEMS_PER_REGISTER for r in framework.registers}
    for key, wanted in expected.items():
        if counts.get(key, 0) != wanted:
            raise ContentError(
                path, "items", f"'{key}' needs {wanted} items, found {counts.get(key, 0)}"
            )


def load_messages(directory: Path) -> Messages:
    """Load the message catalogue of each language and check keys and placeholders agree."""
    texts: dict[str, dict[str, str]] = {}
    for language in LANGUAGES:
        path = directory / f"{language}.yaml"
        data = _read_yaml(path)
        if not isinstance(data, dict) or not all(
            isinstance(v, str) and v.strip() for v in data.values()
        ):
            raise ContentError(path, "", "must map each key to a non-empty text")
        texts[language] = {str(key): value for key, value in data.items()}
    reference, *others = LANGUAGES
    for language in others:
        path = directory / f"{language}.yaml"
        missing = sorted(set(texts[reference]) ^ set(texts[language]))
        if missing:
            raise ContentError(
                path, missing[0], f"key not present in both {reference}.yaml and {language}.yaml"
            )
        for key, template in texts[reference].items():
            if placeholders(template) != placeholders(texts[language][key]):
                raise ContentError(path, key, f"placeholders differ from {reference}.yaml")
    return Messages({"en": texts["en"], "fr": texts["fr"]})


def load_content(knowledge_dir: Path, prompts_dir: Path) -> Content:
    """Load and validate everything the coach speaks with."""
    framework = load_framework(knowledge_dir / "framework.yaml")
    instruments = {
        instrument_id: load_instrument(
            knowledge_dir / "items" / f"{instrument_id.value}.yaml", framework
        )
        for instrument_id in InstrumentId
    }
    for instrument_id, instrument in instruments.items():
        if instrument.id is not instrument_id:
            path = knowledge_dir / "items" / f"{instrument_id.value}.yaml"
            raise ContentError(path, "instrument", f"must be '{instrument_id.value}'")
    return Content(
        framework=framework, instruments=instruments, messages=load_messages(prompts_dir)
    )
