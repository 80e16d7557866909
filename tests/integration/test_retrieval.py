"""Retrieval with the real embedding model: quality on labelled queries, robustness, the cache."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.adapters.nlp.embeddings import (
    ModelNotFoundError,
    SentenceTransformerEmbeddings,
    default_model_path,
    resolve_model,
)
from bot.adapters.nlp.encoders import TextEncoder, open_encoder
from bot.adapters.retrieval.evalset import load_queries
from bot.adapters.retrieval.faiss_store import FaissStore
from bot.adapters.retrieval.index import HybridCardIndex, RetrievalSettings, open_index
from bot.adapters.retrieval.retriever import CardRetriever
from bot.domain.retrieval import QueryError, TagFilter
from bot.services.evaluation import evaluate

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = ROOT / "knowledge"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def encoder() -> TextEncoder:
    """The default multilingual encoder, loaded once for the session."""
    return open_encoder("use")


@pytest.fixture(scope="session")
def embeddings() -> SentenceTransformerEmbeddings:
    """The sentence-transformers engine with the packaged MiniLM, loaded once for the session."""
    return SentenceTransformerEmbeddings(default_model_path())


@pytest.fixture(scope="session")
def index(
    tmp_path_factory: pytest.TempPathFactory,
    encoder: TextEncoder,
) -> HybridCardIndex:
    """The whole knowledge base, indexed once."""
    cache = tmp_path_factory.mktemp("cache")
    built, report = open_index(KNOWLEDGE / "cards", KNOWLEDGE / "lexicon.yaml", cache, encoder)
    assert report.action == "built" and report.documents == 2 * report.cards
    return built


@pytest.mark.parametrize("name", ["retrieval.yaml", "retrieval_holdout.yaml"])
def test_fused_ranking_finds_a_good_card_in_the_top_three_for_nine_queries_in_ten(
    index: HybridCardIndex, name: str
) -> None:
    queries = load_queries(KNOWLEDGE / "eval" / name)
    assert len(queries) >= 60 and {q.language for q in queries} == {"en", "fr"}
    scorecards = evaluate(
        queries, {"fused": lambda text, lang: [h.card for h in index.search(text, lang, k=3)]}
    )
    for card in scorecards:
        assert card.hit_at_3 >= 0.90, (card.language, card.misses)


def test_the_sentence_transformers_engine_still_serves_the_cards(
    tmp_path: Path, embeddings: SentenceTransformerEmbeddings
) -> None:
    built, report = open_index(
        KNOWLEDGE / "cards", KNOWLEDGE / "lexicon.yaml", tmp_path, embeddings
    )
    assert report.action == "built"
    queries = load_queries(KNOWLEDGE / "eval" / "retrieval_holdout.yaml")
    scorecards = evaluate(
        queries, {"fused": lambda text, lang: [h.card for h in built.search(text, lang, k=3)]}
    )
    for card in scorecards:
        assert card.hit_at_3 >= 0.85, (card.language, card.misses)


@pytest.mark.parametrize(
    ("query", "language", "situation"),
    [
        ("fournisser en retrad encore !!!", "fr", "late-delivery"),
        ("SUPLIER WANTS PRIC INCREASE", "en", "price-increase"),
        ("delai de livraison pas tenu, ligne a l'arret", "fr", "late-delivery"),
        ("les pieces sont non conformes, on a ouvert un 8D", "fr", "quality-incident"),
        ("they want to end our contract after 12 years", "en", "termination"),
        ("my supplier is late again 😡😡", "en", "late-delivery"),
        ("appel d'offre: comment traiter tous les candidats pareil", "fr", "tender"),
    ],
)
def test_phone_typing_still_finds_the_situation(
    index: HybridCardIndex, query: str, language: str, situation: str
) -> None:
    hits = index.search(query, language, k=3)  # type: ignore[arg-type]
    assert any(situation in hit.card.situations for hit in hits), [h.card.id for h in hits]
    assert all(hit.language == language for hit in hits)


def test_a_query_about_nothing_in_the_base_is_flagged_as_unsure(index: HybridCardIndex) -> None:
    for query, language in [
        ("asdf qwerty zxcv", "en"),
        ("who won the football match", "en"),
        ("bonjour", "fr"),
    ]:
        hits = index.search(query, language)  # type: ignore[arg-type]
        assert not hits or not hits[0].confident, query
    assert index.search("my supplier wants a 9% price increase", "en")[0].confident


def test_filters_restrict_the_cards_and_the_language(index: HybridCardIndex) -> None:
    hits = index.search(
        "role play on a price increase", "en", k=5, tags=TagFilter.parse(["audience:trainer"])
    )
    assert hits and all("trainer" in h.card.audiences for h in hits)
    french = index.search(
        "late delivery", "en", k=3, tags=TagFilter.parse(["lang:fr", "kind:exercise"])
    )
    assert french and all(h.language == "fr" and h.card.kind == "exercise" for h in french)


def test_empty_and_huge_queries(index: HybridCardIndex) -> None:
    for empty in ("", "   ", "!!! ???", "😡"):
        with pytest.raises(QueryError):
            index.search(empty, "en")
    huge = "my supplier is late again and I am angry. " * 400
    assert index.search(huge, "en", k=3)


def test_the_langchain_retriever_returns_documents_with_taxonomy_tags(
    index: HybridCardIndex,
) -> None:
    retriever = CardRetriever(index=index, language="fr", k=2, filters=("situation:late-delivery",))
    documents = retriever.invoke("retard de livraison")
    assert len(documents) == 2
    assert all(
        "situation:late-delivery" in d.metadata["tags"] and d.metadata["lang"] == "fr"
        for d in documents
    )


def test_the_faiss_store_works_as_a_langchain_vector_store(
    tmp_path: Path, embeddings: SentenceTransformerEmbeddings
) -> None:
    texts = ["the supplier delivered late", "a warm thank-you note", "prices are going up"]
    store = FaissStore.from_texts(texts, embeddings, metadatas=[{"n": i} for i in range(3)])
    assert store.similarity_search("delivery delay", k=1)[0].metadata == {"n": 0}
    store.save_local(tmp_path)
    again = FaissStore.load_local(tmp_path, embeddings)
    assert (
        again.as_retriever(search_kwargs={"k": 1}).invoke("price increase")[0].page_content
        == texts[2]
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["documents.json", "index.faiss"]


# --- the cache ------------------------------------------------------------------------------


@pytest.fixture
def small_base(tmp_path: Path) -> Path:
    """A copy of a few cards and the lexicon, to rebuild quickly."""
    cards = tmp_path / "knowledge" / "cards"
    cards.mkdir(parents=True)
    for path in sorted((KNOWLEDGE / "cards").rglob("*.md"))[:8]:
        shutil.copy(path, cards / path.name)
    shutil.copy(KNOWLEDGE / "lexicon.yaml", tmp_path / "knowledge" / "lexicon.yaml")
    return tmp_path / "knowledge"


def _open(
    base: Path,
    cache: Path,
    encoder: TextEncoder,
    **kw: object,
) -> str:
    _, report = open_index(base / "cards", base / "lexicon.yaml", cache, encoder, **kw)  # type: ignore[arg-type]
    return f"{report.action}: {report.reason}"


def test_the_index_is_built_once_then_loaded(
    small_base: Path, tmp_path: Path, encoder: TextEncoder
) -> None:
    cache = tmp_path / "cache"
    assert _open(small_base, cache, encoder) == "built: no index on disk yet"
    assert _open(small_base, cache, encoder) == "loaded: cache matches"
    assert sorted(p.name for p in (cache / "index").iterdir()) == [
        "documents.json",
        "index.faiss",
        "manifest.json",
    ]


def test_a_changed_card_or_setting_rebuilds_and_nothing_else_does(
    small_base: Path, tmp_path: Path, encoder: TextEncoder
) -> None:
    cache = tmp_path / "cache"
    _open(small_base, cache, encoder)
    (tmp_path / "unrelated.txt").write_text("noise")
    assert _open(small_base, cache, encoder).startswith("loaded")
    card = next((small_base / "cards").iterdir())
    card.write_text(card.read_text().replace("# en: ", "# en: Updated: ", 1))
    assert _open(small_base, cache, encoder) == "built: cards, model or settings changed"
    assert _open(small_base, cache, encoder, settings=RetrievalSettings(rrf_k=30)).startswith(
        "built"
    )


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (
            lambda f: (f / "index.faiss").write_bytes(b"garbage"),
            "index.faiss does not match its manifest",
        ),
        (lambda f: (f / "documents.json").unlink(), "manifest unreadable"),
        (lambda f: (f / "manifest.json").write_text("{not json"), "manifest unreadable"),
        (
            lambda f: (f / "documents.json").write_text("[]"),
            "documents.json does not match its manifest",
        ),
    ],
)
def test_a_damaged_cache_is_rebuilt_not_trusted(
    small_base: Path,
    tmp_path: Path,
    encoder: TextEncoder,
    damage: Callable[[Path], object],
    reason: str,
) -> None:
    cache = tmp_path / "cache"
    _open(small_base, cache, encoder)
    damage(cache / "index")
    assert _open(small_base, cache, encoder).startswith(f"built: {reason}")
    assert _open(small_base, cache, encoder) == "loaded: cache matches"


def test_a_missing_model_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(
        ModelNotFoundError, match=r"TRUSTCOACH_MODEL_PATH: model folder .* does not exist"
    ):
        resolve_model(str(tmp_path / "no-model"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotFoundError, match="not a sentence-transformers model folder"):
        resolve_model(str(tmp_path / "empty"))


def test_no_pickle_anywhere_in_the_retrieval_code() -> None:
    for path in (ROOT / "bot").rglob("*.py"):
        text = path.read_text()
        assert "import pickle" not in text and "pickle.load" not in text, path
