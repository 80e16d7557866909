"""The hybrid card index: BM25 per language and dense vectors, fused by reciprocal rank."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np

from bot.adapters.nlp.encoders import TextEncoder
from bot.adapters.nlp.lexicon import Lexicon, keywords, load_lexicon
from bot.adapters.nlp.tags import TagMatcher
from bot.adapters.nlp.text import words
from bot.domain.cards import Card
from bot.domain.framework import Language
from bot.domain.retrieval import CardHit, QueryError, TagFilter

from .bm25 import Bm25Index
from .cards import card_files, load_cards
from .faiss_store import CorruptIndexError, FaissStore

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
MAX_QUERY_CHARS = 1000
Mode = Literal["fused", "dense", "lexical"]


@dataclass(frozen=True)
class RetrievalSettings:
    """Knobs of the ranking; any change is part of the cache key."""

    rrf_k: int = 20
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    tag_weight: float = 0.5
    cross_language_weight: float = 0.3
    # Below this BM25 score (and the encoder's own cosine floors, see Calibration), a query that
    # names no known topic is answered with a question, not a guess.
    confident_lexical: float = 8.0
    keywords_in_dense_text: bool = True
    # The sentence encoder reads the start of a card: the title, its keywords, then this many
    # characters of the body (0: all of it). Encoding time grows with the text.
    dense_body_chars: int = 400
    hint_weight: float = 2.0  # a tag the reader found counts as a two-word lexicon term
    format_version: int = 2


@dataclass(frozen=True)
class IndexReport:
    """What opening the index did, for people and logs."""

    action: Literal["built", "loaded"]
    reason: str
    cards: int
    documents: int
    seconds: float
    folder: Path


def _dense_text(
    card: Card, language: Language, lexicon: Lexicon, settings: RetrievalSettings
) -> str:
    text = card.text(language)
    parts = [text.title]
    if settings.keywords_in_dense_text:
        parts.append(", ".join(keywords(card, lexicon, language)))
    limit = settings.dense_body_chars
    parts.append(text.body[:limit] if limit else text.body)
    return "\n".join(part for part in parts if part)


def _lexical_text(card: Card, language: Language, lexicon: Lexicon) -> str:
    text = card.text(language)
    # The title counts twice: it says what the card is about in the fewest words.
    return "\n".join(
        [text.title, text.title, text.body, " ".join(keywords(card, lexicon, language))]
    )


class HybridCardIndex:
    """Searches cards with BM25 (French and English stemming) and embeddings, fused."""

    def __init__(
        self,
        cards: list[Card],
        lexicon: Lexicon,
        store: FaissStore,
        embeddings: TextEncoder,
        settings: RetrievalSettings,
    ) -> None:
        self._cards = cards
        self._by_id = {card.id: card for card in cards}
        self._store = store
        self._embeddings = embeddings
        self._settings = settings
        self._bm25 = {
            language: Bm25Index(
                [_lexical_text(card, language, lexicon) for card in cards], language
            )
            for language in ("en", "fr")
        }
        self._doc_card = [
            self._by_id[str(store.document(i).metadata["card"])] for i in range(len(store))
        ]
        positions = {card.id: i for i, card in enumerate(cards)}
        self._doc_card_index = np.array([positions[card.id] for card in self._doc_card])
        # Which cards carry each tag, for scoring the tags a query names without a scan.
        self._cards_with: dict[str, list[int]] = defaultdict(list)
        for i, card in enumerate(cards):
            for tag in card.tags:
                self._cards_with[tag].append(i)
        self._matcher = TagMatcher(lexicon)
        self._calibration = embeddings.calibration
        # The same searches come back often (the cards after a result depend only on the
        # competency, the role and the language): the ranking of an unchanged index is reused.
        self._ranked = lru_cache(maxsize=2048)(self._rank)

    @property
    def cards(self) -> list[Card]:
        """Every card of the index."""
        return list(self._cards)

    def get(self, card_id: str) -> Card | None:
        """Return a card by id, or None."""
        return self._by_id.get(card_id)

    def search(
        self,
        query: str,
        language: Language,
        k: int = 3,
        tags: TagFilter | None = None,
        mode: Mode = "fused",
        hints: tuple[str, ...] = (),
    ) -> list[CardHit]:
        """Return the k best cards for a query, in the language asked (or the filter's).

        `hints` are tags the message reader found in the query (its situations): they count
        like tags the query names, without restricting the cards as a filter does.
        """
        cleaned = " ".join(query.split())[:MAX_QUERY_CHARS]
        if not words(cleaned):
            raise QueryError("the query has no words to search for")
        facets = (tags or TagFilter({})).facets
        key = tuple(sorted((facet, tuple(sorted(values))) for facet, values in facets.items()))
        return list(self._ranked(cleaned, language, k, key, mode, tuple(hints)))

    def _rank(
        self,
        cleaned: str,
        language: Language,
        k: int,
        tag_key: tuple[tuple[str, tuple[str, ...]], ...],
        mode: Mode,
        hints: tuple[str, ...] = (),
    ) -> tuple[CardHit, ...]:
        tags = TagFilter({facet: frozenset(values) for facet, values in tag_key})
        language = tags.language or language
        allowed = [i for i, card in enumerate(self._cards) if tags.accepts(card)]
        mentioned = self.mentioned_tags(cleaned, language)
        # The reader's situations come best first: each next one counts half as much.
        for rank, hint in enumerate(hints):
            weight = self._settings.hint_weight / 2**rank
            mentioned[hint] = max(mentioned.get(hint, 0.0), weight)
        dense = (
            self._dense_scores(self._dense_query(cleaned, language, mentioned))
            if mode != "lexical"
            else {}
        )
        lexical = self._lexical_scores(cleaned, language) if mode != "dense" else {}
        by_tags = self._tag_scores(mentioned) if mode == "fused" else {}
        fused = self._fuse(
            allowed, language, {"dense": dense, "lexical": lexical, "tags": by_tags}, mode
        )
        ranked = sorted(allowed, key=lambda i: (-fused.get(i, 0.0), i))[: max(0, k)]
        confident = self._is_confident(mentioned, dense, lexical, language)
        return tuple(
            CardHit(
                card=self._cards[i],
                score=round(fused.get(i, 0.0), 6),
                language=language,
                dense=round(dense.get(i, 0.0), 4),
                lexical=round(lexical.get(i, 0.0), 4),
                confident=confident,
            )
            for i in ranked
            if fused.get(i, 0.0) > 0
        )

    def mentioned_tags(self, text: str, language: Language) -> dict[str, float]:
        """Return the taxonomy tags a text speaks of (its language first, then the other)."""
        other: Language = "fr" if language == "en" else "en"
        found = {
            tag: weight * 0.5
            for tag, weight in self._matcher.match(text, other, self._bm25[other].correct).items()
        }
        found.update(self._matcher.match(text, language, self._bm25[language].correct))
        return found

    def _is_confident(
        self,
        mentioned: dict[str, float],
        dense: dict[int, float],
        lexical: dict[int, float],
        language: Language,
    ) -> bool:
        if mentioned:
            return True
        calibration = self._calibration
        floor = (
            calibration.confident_dense_fr if language == "fr" else calibration.confident_dense_en
        )
        return (
            max(dense.values(), default=1.0) >= floor
            or max(lexical.values(), default=0.0) >= self._settings.confident_lexical
        )

    def _dense_query(self, query: str, language: Language, mentioned: dict[str, float]) -> str:
        if language != "fr" or not self._calibration.bridge_french_queries or not mentioned:
            return query
        return f"{query}\n{', '.join(self._matcher.english_terms(mentioned))}"

    def _tag_scores(self, mentioned: dict[str, float]) -> dict[int, float]:
        scores: dict[int, float] = defaultdict(float)
        for tag, weight in mentioned.items():
            for i in self._cards_with.get(tag, ()):
                scores[i] += weight
        return {i: score for i, score in scores.items() if score > 0}

    def _dense_scores(self, query: str) -> dict[int, float]:
        # A card has one vector per language; its dense score is the closer of the two.
        vector = self._embeddings.query_vector(query)  # the reader may have encoded it already
        docs, cosines = self._store.search_arrays(vector, len(self._store))
        best = np.full(len(self._cards), -np.inf)
        np.maximum.at(best, self._doc_card_index[docs], cosines)
        return {int(i): float(best[i]) for i in np.flatnonzero(np.isfinite(best))}

    def _lexical_scores(self, query: str, language: Language) -> dict[int, float]:
        own = self._bm25[language].scores(query)
        other = self._bm25["fr" if language == "en" else "en"].scores(query)
        weight = self._settings.cross_language_weight
        return {i: own.get(i, 0.0) + weight * other.get(i, 0.0) for i in own.keys() | other.keys()}

    def _fuse(
        self,
        allowed: list[int],
        language: Language,
        rankings: dict[str, dict[int, float]],
        mode: Mode,
    ) -> dict[int, float]:
        if mode != "fused":
            scores = rankings[mode]
            floor = 1e-9 if mode == "dense" else 0.0  # every card has some cosine; none may vanish
            return {i: max(scores.get(i, 0.0), floor) for i in allowed if i in scores or floor}
        settings = self._settings
        dense_fr = settings.dense_weight * self._calibration.dense_weight_fr
        weights = {
            "dense": dense_fr if language == "fr" else settings.dense_weight,
            "lexical": settings.lexical_weight,
            "tags": settings.tag_weight,
        }
        fused: dict[int, float] = {}
        for name, scores in rankings.items():
            ranking = sorted(
                (i for i in allowed if scores.get(i, 0.0) > 0), key=lambda i: -scores[i]
            )
            for rank, i in enumerate(ranking, start=1):
                fused[i] = fused.get(i, 0.0) + weights[name] / (settings.rrf_k + rank)
        return fused


# --- building and caching ---------------------------------------------------------------------


def content_hash(cards_dir: Path, lexicon_path: Path) -> str:
    """Hash every card file and the lexicon, so that any change of content changes the key."""
    digest = hashlib.sha256()
    for path in [*card_files(cards_dir), lexicon_path]:
        if path.exists():
            digest.update(str(path.relative_to(cards_dir.parent)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_key(
    cards_dir: Path, lexicon_path: Path, encoder: TextEncoder, settings: RetrievalSettings
) -> str:
    """The key of an index: content, the encoder (engine, version, settings) and settings."""
    parts = [
        content_hash(cards_dir, lexicon_path),
        encoder.fingerprint(),
        json.dumps(asdict(settings), sort_keys=True),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_manifest(folder: Path, key: str) -> str | None:
    """Return None when the cache can be trusted, or why it cannot."""
    manifest_path = folder / MANIFEST
    if not manifest_path.exists():
        return "no index on disk yet"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest["key"] != key:
            return "cards, model or settings changed"
        for name, expected in manifest["files"].items():
            if _file_hash(folder / name) != expected:
                return f"{name} does not match its manifest"
    except (OSError, ValueError, KeyError, TypeError) as error:
        return f"manifest unreadable ({type(error).__name__})"
    return None


def _documents(
    cards: list[Card], lexicon: Lexicon, settings: RetrievalSettings
) -> tuple[list[str], list[dict[str, str]]]:
    texts: list[str] = []
    metadatas: list[dict[str, str]] = []
    for card in cards:
        for language in ("en", "fr"):
            texts.append(_dense_text(card, language, lexicon, settings))
            metadatas.append({"card": card.id, "lang": language, "kind": card.kind})
    return texts, metadatas


def _build(
    folder: Path,
    key: str,
    cards: list[Card],
    lexicon: Lexicon,
    embeddings: TextEncoder,
    settings: RetrievalSettings,
) -> FaissStore:
    texts, metadatas = _documents(cards, lexicon, settings)
    vectors = embeddings.encode(texts)
    store = FaissStore(embeddings, vectors.shape[1])
    store.add_vectors(vectors, texts, metadatas, [f"{m['card']}:{m['lang']}" for m in metadatas])
    # Write beside the cache, then swap, so that a crash never leaves half an index behind.
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="index-", dir=folder.parent))
    files = store.save_local(staging)
    manifest = {
        "key": key,
        "model": embeddings.model_name,
        "cards": len(cards),
        "files": {f.name: _file_hash(f) for f in files},
    }
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    if folder.exists():
        shutil.rmtree(folder, ignore_errors=True)
    try:
        staging.rename(folder)
    except OSError:
        # Another process published its index first; ours is just as good in memory.
        shutil.rmtree(staging, ignore_errors=True)
    return store


def open_index(
    cards_dir: Path,
    lexicon_path: Path,
    cache_dir: Path,
    embeddings: TextEncoder,
    settings: RetrievalSettings | None = None,
    force: bool = False,
) -> tuple[HybridCardIndex, IndexReport]:
    """Load the cached index when it matches content, encoder and settings; build it otherwise."""
    started = time.perf_counter()
    settings = settings or RetrievalSettings()
    cards = load_cards(cards_dir)
    lexicon = load_lexicon(lexicon_path)
    key = cache_key(cards_dir, lexicon_path, embeddings, settings)
    folder = cache_dir / "index"
    reason = "rebuild asked" if force else _read_manifest(folder, key)
    store: FaissStore | None = None
    if reason is None:
        try:
            store = FaissStore.load_local(folder, embeddings)
        except CorruptIndexError as error:
            reason = str(error)
    if store is not None and len(store) != 2 * len(cards):
        store, reason = None, "index does not hold every card"
    action: Literal["built", "loaded"] = "loaded"
    if store is None:
        log.info("building the card index: %s", reason)
        store = _build(folder, key, cards, lexicon, embeddings, settings)
        action = "built"
    index = HybridCardIndex(cards, lexicon, store, embeddings, settings)
    report = IndexReport(
        action,
        reason or "cache matches",
        len(cards),
        len(store),
        time.perf_counter() - started,
        folder,
    )
    return index, report
