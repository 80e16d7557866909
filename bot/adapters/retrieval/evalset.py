"""Reads labelled query sets (knowledge/eval/*.yaml)."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.domain.retrieval import LabelledQuery
from bot.domain.taxonomy import parse_tag

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_queries(path: Path) -> list[LabelledQuery]:
    """Load labelled queries, checking languages and tags."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    queries: list[LabelledQuery] = []
    for number, entry in enumerate(data["queries"]):
        language = entry.get("lang")
        if language not in ("en", "fr"):
            raise ValueError(f"{path}: queries.{number}.lang: must be en or fr")
        for tag in entry["expect"]:
            parse_tag(tag)
        queries.append(LabelledQuery(str(entry["q"]), language, tuple(entry["expect"])))
    return queries
