"""Local time for a user: their time zone (or a guess from their language), mornings, days."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.domain.framework import Language

# Until the person says, French speakers are most likely in France; English speakers could be
# anywhere, London is the guess the coach says out loud so that it can be corrected.
GUESSED_ZONE: dict[Language, str] = {"fr": "Europe/Paris", "en": "Europe/London"}
# Reminders arrive at the start of a working morning, local time.
MORNING = time(9, 0)
# The zones offered as buttons; any other IANA name or "UTC+2" can be typed.
OFFERED_ZONES = (
    "Europe/Paris",
    "Europe/London",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Montreal",
    "Africa/Casablanca",
    "Asia/Singapore",
)
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


def zone_of(name: str | None, language: Language) -> tzinfo:
    """The user's zone, or the guess for their language when unset or unknown here."""
    for candidate in (name, GUESSED_ZONE[language]):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return UTC


def local(moment: datetime, zone: tzinfo) -> datetime:
    """A moment as the clock on the user's wall shows it."""
    return moment.astimezone(zone)


def local_morning(now: datetime, zone: tzinfo, days_ahead: int) -> datetime:
    """9:00 local time, `days_ahead` days after the user's today, as an aware UTC moment."""
    day = local(now, zone).date() + timedelta(days=days_ahead)
    return datetime.combine(day, MORNING, tzinfo=zone).astimezone(UTC)


def morning_of(day: date, zone: tzinfo) -> datetime:
    """9:00 local time on a day, as an aware UTC moment."""
    return datetime.combine(day, MORNING, tzinfo=zone).astimezone(UTC)


def start_of_local_day(now: datetime, zone: tzinfo) -> datetime:
    """Midnight of the user's today, as an aware UTC moment."""
    day = local(now, zone).date()
    return datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC)


def parse_zone(text: str) -> str | None:
    """An IANA zone name from what a person types ("Europe/Paris", "paris", "UTC+2")."""
    cleaned = "_".join(text.strip().split())
    if not cleaned:
        return None
    offset = _OFFSET.match(text.strip())
    if offset:
        sign, hours, minutes = offset.groups()
        if minutes in (None, "00") and int(hours) <= 14:
            # IANA's Etc zones count the other way round: UTC+2 is Etc/GMT-2.
            flipped = "-" if sign == "+" else "+"
            return "Etc/UTC" if int(hours) == 0 else f"Etc/GMT{flipped}{int(hours)}"
        return None
    known = _known_zones()
    exact = {zone.casefold(): zone for zone in known}
    if cleaned.casefold() in exact:
        return exact[cleaned.casefold()]
    by_city = {zone.rsplit("/", 1)[-1].casefold(): zone for zone in known if "/" in zone}
    return by_city.get(cleaned.casefold())


@cache
def _known_zones() -> frozenset[str]:
    # available_timezones() walks the zone database on disk: once per process is enough.
    return frozenset(z for z in available_timezones() if not z.startswith(("posix/", "right/")))
