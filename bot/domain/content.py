"""Everything the coach needs from `knowledge/` and `prompts/`, loaded and validated once."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.assessment import Instrument, InstrumentId
from bot.domain.framework import Framework
from bot.domain.messages import Messages


@dataclass(frozen=True)
class Content:
    """The framework, the two instruments and the message catalogue."""

    framework: Framework
    instruments: dict[InstrumentId, Instrument]
    messages: Messages

    def instrument(self, instrument_id: InstrumentId) -> Instrument:
        """Return one of the instruments."""
        return self.instruments[instrument_id]
