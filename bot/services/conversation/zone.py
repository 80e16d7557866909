"""/timezone: the user's time zone, for reminders and "tomorrow" at their local time."""

from __future__ import annotations

from bot.domain.clock import OFFERED_ZONES, local, parse_zone, zone_of
from bot.domain.dialogue import Reply

from . import core
from .options import TimeZoneChoice
from .protocol import Flow
from .routes import Choose, Command, Feature, Step
from .turn import Turn


def ask(turn: Turn) -> list[Reply]:
    """Say the zone in use (set or guessed) and offer others; a city or "UTC+2" can be typed."""
    turn.go(Flow.TIME_ZONE)
    zone = turn.user.time_zone or str(zone_of(None, turn.user.language))
    key = "time_zone_current" if turn.user.time_zone else "time_zone_guessed"
    options = tuple(
        turn.option(TimeZoneChoice(index), label(name), str(index + 1))
        for index, name in enumerate(OFFERED_ZONES)
    )
    now = f"{turn.local_now:%H:%M}"
    return [turn.reply(key, options=options, zone=label(zone), time=now)]


def choose(turn: Turn, choice: TimeZoneChoice) -> list[Reply] | None:
    """Set a zone from its button; None for an index out of the list."""
    if choice.index >= len(OFFERED_ZONES):
        return None
    return _set(turn, OFFERED_ZONES[choice.index])


def read(turn: Turn, text: str) -> list[Reply]:
    """A typed zone: a city, an IANA name or an offset; asked again when unknown."""
    zone = parse_zone(text)
    if zone is None:
        return [turn.reply("time_zone_unknown"), *ask(turn)]
    return _set(turn, zone)


def _set(turn: Turn, zone: str) -> list[Reply]:
    turn.user.time_zone = zone
    turn.go(Flow.MENU)
    now = f"{local(turn.now, zone_of(zone, turn.user.language)):%H:%M}"
    return [turn.reply("time_zone_set", zone=label(zone), time=now), *core.menu(turn, "menu_next")]


def label(zone: str) -> str:
    """A zone as people say it: "Paris", "New York", "UTC+2"."""
    if zone.startswith("Etc/GMT"):
        offset = zone[len("Etc/GMT") :]
        flipped = offset.replace("-", "+") if offset.startswith("-") else offset.replace("+", "-")
        return f"UTC{flipped}" if offset else "UTC"
    if zone in ("Etc/UTC", "UTC"):
        return "UTC"
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def _cmd_time_zone(turn: Turn, _argument: str) -> list[Reply]:
    return ask(turn)


FEATURE = Feature(
    name="time zone",
    commands=(Command("timezone", _cmd_time_zone, aliases=("fuseau", "tz")),),
    choices=(Choose(TimeZoneChoice, choose),),
    steps=(Step(Flow.TIME_ZONE, ask, read=read, idle=True),),
)
