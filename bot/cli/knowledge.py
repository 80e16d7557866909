"""Command-line tools for the knowledge base: kb check, index, search, eval retrieval."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.cli._registry import EXIT_USAGE, Commands, evaluations
from bot.domain.cards import Card, coverage
from bot.domain.framework import Language
from bot.domain.retrieval import CardHit, QueryError, TagFilter, side_tags
from bot.domain.taxonomy import UnknownTagError

if TYPE_CHECKING:
    from bot.adapters.retrieval.index import HybridCardIndex, Mode
    from bot.config import Settings
    from bot.services.ports import EmotionDetector


def add_commands(commands: Commands) -> None:
    """Register `kb check`, `index`, `search` and `eval retrieval`."""
    commands.group("kb", summary="knowledge base tools").add(
        "check",
        kb_check,
        summary="validate every card and print the coverage table",
        examples=["trustcoach kb check"],
    )
    index = commands.add(
        "index",
        build_index,
        summary="build the card index (or check the cached one)",
        examples=["trustcoach index", "trustcoach index --rebuild"],
    )
    index.add_argument("--rebuild", action="store_true", help="rebuild even if the cache matches")
    _add_search(commands)
    retrieval = evaluations(commands).add(
        "retrieval",
        eval_retrieval,
        summary="hit@1, hit@3 and MRR per language and ranking",
        examples=["trustcoach eval retrieval", "trustcoach eval retrieval --misses"],
    )
    retrieval.add_argument(
        "--set",
        action="append",
        type=Path,
        help="query file(s) (default: knowledge/eval/retrieval*.yaml)",
    )
    retrieval.add_argument(
        "--misses", action="store_true", help="list the queries the fused ranking misses"
    )


def _add_search(commands: Commands) -> None:
    search_parser = commands.add(
        "search",
        search,
        summary="search the cards; without TEXT, one query per line from standard input",
        examples=[
            'trustcoach search "supplier wants +8%" --role buyer',
            'trustcoach search "retard de livraison" --k 5 --json',
            "trustcoach search --lang fr < queries.txt",
        ],
    )
    search_parser.add_argument(
        "text",
        nargs="?",
        metavar="TEXT",
        help="the query (omit to read queries from standard input)",
    )
    search_parser.add_argument("--k", type=int, default=3, help="how many cards (default 3)")
    search_parser.add_argument(
        "--lang", choices=["en", "fr"], help="answer language (default: guessed from the query)"
    )
    search_parser.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="TAG",
        help="facet:value, e.g. situation:late-delivery",
    )
    search_parser.add_argument(
        "--role",
        choices=["buyer", "supplier", "trainer"],
        help="only cards written for this side (or both), as the coach shows them",
    )
    search_parser.add_argument(
        "--mode",
        choices=["coach", "fused", "dense", "lexical"],
        default="coach",
        help="ranking to use (coach: fused, helped by the situations the reader finds, as the "
        "coach searches; default)",
    )
    search_parser.add_argument(
        "--json", action="store_true", help="one JSON array of hits per query"
    )


def kb_check(settings: Settings, _args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Validate the cards; print problems by file and line, then the coverage table."""
    from bot.adapters.retrieval.cards import read_cards  # noqa: PLC0415 - keep --help fast

    out = out or sys.stdout
    cards, problems = read_cards(settings.knowledge_dir / "cards")
    broken_files = yaml_problems(settings)
    for problem in [*problems, *broken_files]:
        print(problem, file=out)
    rows = coverage(cards)
    print(f"{'tag':<52} {'cards':>5} {'min':>4}", file=out)
    for row in rows:
        mark = "" if row.ok else "  << below minimum"
        print(f"{row.tag:<52} {row.count:>5} {row.minimum:>4}{mark}", file=out)
    short = [row for row in rows if not row.ok]
    verdict = (
        "OK"
        if not problems and not short and not broken_files
        else f"FAILED: {len(problems) + len(broken_files)} problem(s), "
        f"{len(short)} minimum(s) not met"
    )
    print(f"{len(cards)} valid cards. {verdict}", file=out)
    return 0 if verdict == "OK" else 1


def yaml_problems(settings: Settings) -> list[str]:
    """Every YAML file of the knowledge folder, read as the coach reads it; one line per problem."""
    from bot.adapters.content.loader import load_content  # noqa: PLC0415 - keep --help fast
    from bot.adapters.emotion.data import load_labelled_messages  # noqa: PLC0415
    from bot.adapters.emotion.factory import check_reading_files  # noqa: PLC0415
    from bot.adapters.reader.training import load_corpus  # noqa: PLC0415
    from bot.adapters.retrieval.evalset import load_queries  # noqa: PLC0415

    knowledge = settings.knowledge_dir
    checks: list[tuple[str, Callable[[], object]]] = [
        ("content", lambda: load_content(knowledge, settings.prompts_dir)),
        ("cues, safety, meeting words, lexicon", lambda: check_reading_files(knowledge)),
        ("reader corpus", lambda: load_corpus(knowledge)),
    ]
    for path in sorted((knowledge / "eval").glob("*.yaml")):
        load = load_queries if path.name.startswith("retrieval") else load_labelled_messages
        checks.append((path.name, lambda path=path, load=load: load(path)))  # type: ignore[misc]
    problems = [_problem(name, check) for name, check in checks]
    for path in sorted(knowledge.rglob("*.yaml")):
        problems.append(_problem(str(path), lambda path=path: _parse(path)))  # type: ignore[misc]
    return [problem for problem in problems if problem]


def _parse(path: Path) -> object:
    import yaml  # noqa: PLC0415 - keep --help fast

    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _problem(name: str, check: Callable[[], object]) -> str:
    try:
        check()
    except Exception as error:  # every kind of breakage is one line of the report
        return f"{name}: {' '.join(str(error).split())[:300]}"
    return ""


def build_index(settings: Settings, args: argparse.Namespace) -> int:
    """Build or load the card index and say what was done."""
    from bot.bootstrap import open_card_index  # noqa: PLC0415 - keep --help fast

    _, report = open_card_index(settings, rebuild=args.rebuild)
    verb = "Built" if report.action == "built" else "Loaded"
    print(
        f"{verb} the card index: {report.cards} cards, {report.documents} documents "
        f"in {report.seconds:.1f} s ({report.reason}). Cache: {report.folder}"
    )
    return 0


def search(settings: Settings, args: argparse.Namespace) -> int:
    """Answer one query, or one per line of standard input."""
    from bot.bootstrap import ModelHolder, open_card_index, open_emotion_detector  # noqa: PLC0415

    try:
        tags = TagFilter.parse([*args.filter, *side_tags(args.role, args.filter)])
    except UnknownTagError as error:
        print(f"trustcoach: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.text is not None and not args.text.strip():
        print("trustcoach: the query is empty; give some words to search for", file=sys.stderr)
        return EXIT_USAGE
    model = ModelHolder(settings)
    index, _ = open_card_index(settings, model=model)
    reader = open_emotion_detector(settings, model) if args.mode == "coach" else None
    queries = [args.text] if args.text is not None else (line.rstrip("\n") for line in sys.stdin)
    for query in queries:
        print(_answer(index, reader, query, args, tags, single=args.text is not None), flush=True)
    return 0


def _answer(
    index: HybridCardIndex,
    reader: EmotionDetector | None,
    query: str,
    args: argparse.Namespace,
    tags: TagFilter,
    single: bool,
) -> str:
    from bot.adapters.nlp.text import guess_language  # noqa: PLC0415

    language: Language = args.lang or ("fr" if guess_language(query) == "fr" else "en")
    mode: Mode = "fused" if args.mode == "coach" else args.mode
    try:
        hints = _hints(reader, query, language)
        hits = index.search(query, language, k=args.k, tags=tags, mode=mode, hints=hints)
    except QueryError as error:
        # One line per input line, so that piped answers stay aligned with their queries.
        print(f"trustcoach: skipped query {query[:40]!r}: {error}", file=sys.stderr)
        hits = []
    if args.json:
        return json.dumps([hit_json(hit) for hit in hits], ensure_ascii=False)
    if not hits:
        return "(no card found)"
    separator = "\n" if single else " | "
    return separator.join(
        f"{rank}. {hit.card.text(hit.language).title} [{hit.card.id}] {hit.score:.4f}"
        for rank, hit in enumerate(hits, 1)
    )


def _hints(reader: EmotionDetector | None, query: str, language: Language) -> tuple[str, ...]:
    """The situations the reader finds in a query, as the coach passes them to the search."""
    if reader is None or not query.strip():
        return ()
    return tuple(f"situation:{s}" for s in reader.analyze(query, language).situations)


def hit_json(hit: CardHit) -> dict[str, object]:
    """The JSON form of a hit, with tags spelled as the taxonomy writes them."""
    return {
        "id": hit.card.id,
        "title": hit.card.text(hit.language).title,
        "score": hit.score,
        "lang": hit.language,
        "kind": hit.card.kind,
        "tags": list(hit.card.tags),
    }


def _ranker(index: HybridCardIndex, mode: Mode) -> Callable[[str, Language], list[Card]]:
    return lambda text, language: [
        hit.card for hit in index.search(text, language, k=10, mode=mode)
    ]


def _with_reader(
    index: HybridCardIndex, reader: EmotionDetector
) -> Callable[[str, Language], list[Card]]:
    """The fused ranking helped by the situations the reader finds, as the coach searches."""

    def rank(text: str, language: Language) -> list[Card]:
        hints = tuple(f"situation:{s}" for s in reader.analyze(text, language).situations)
        return [hit.card for hit in index.search(text, language, k=10, hints=hints)]

    return rank


def eval_retrieval(settings: Settings, args: argparse.Namespace) -> int:
    """Print hit@1, hit@3 and MRR per language for each ranking (`reader`: what the coach does)."""
    from bot.adapters.retrieval.evalset import load_queries  # noqa: PLC0415 - keep --help fast
    from bot.bootstrap import ModelHolder, open_card_index, open_emotion_detector  # noqa: PLC0415
    from bot.services.evaluation import evaluate  # noqa: PLC0415

    model = ModelHolder(settings)
    index, _ = open_card_index(settings, model=model)
    reader = open_emotion_detector(settings, model)
    sets = args.set or sorted((settings.knowledge_dir / "eval").glob("retrieval*.yaml"))
    for path in sets:
        queries = load_queries(path)
        rankers: dict[str, Callable[[str, Language], list[Card]]] = {
            mode: _ranker(index, mode) for mode in ("dense", "lexical", "fused")
        }
        rankers["reader"] = _with_reader(index, reader)
        print(f"{path.name}: {len(queries)} queries")
        print(f"  {'ranking':<8} {'lang':<4} {'n':>4} {'hit@1':>6} {'hit@3':>6} {'MRR':>6}")
        for card in evaluate(queries, rankers):
            print(
                f"  {card.mode:<8} {card.language:<4} {card.queries:>4} "
                f"{card.hit_at_1:>6.2f} {card.hit_at_3:>6.2f} {card.mrr:>6.2f}"
            )
            if args.misses and card.mode == "fused":
                for miss in card.misses:
                    print(f"      miss: {miss}")
    return 0
