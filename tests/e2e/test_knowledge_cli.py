"""`trustcoach kb check`, `index`, `search` and `eval retrieval`, run as separate processes.

Assertions are on exit statuses, the files written, JSON output and what is data in the output
(tags, counts, paths, the offending value), not on the wording of the messages.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from bot.domain.cards import Card
from tests.e2e.conftest import CliRunner

ROOT = Path(__file__).resolve().parents[2]
COVERAGE_ROW = re.compile(r"^(?P<tag>\S.*?)\s+(?P<cards>\d+)\s+(?P<min>\d+)$")
INDEX_FILES = ("documents.json", "index.faiss", "manifest.json")


def _coverage(stdout: str) -> dict[str, tuple[int, int]]:
    """The coverage table of `kb check`: tag -> (cards, minimum)."""
    rows = (COVERAGE_ROW.match(line) for line in stdout.splitlines())
    return {m["tag"]: (int(m["cards"]), int(m["min"])) for m in rows if m is not None}


def test_kb_check_passes_on_the_real_base_and_prints_coverage(
    cli: CliRunner, all_cards: list[Card]
) -> None:
    result = cli(["kb", "check"])
    assert result.returncode == 0, result.stdout
    coverage = _coverage(result.stdout)
    assert coverage["cards"][0] == len(all_cards)
    assert "competency:courage.candor (exercises)" in coverage and "situation:audit" in coverage
    assert all(cards >= minimum for cards, minimum in coverage.values())


def test_kb_check_names_the_broken_file_and_line(cli: CliRunner, tmp_path: Path) -> None:
    knowledge = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledge", knowledge)
    card = next((knowledge / "cards").rglob("*.md"))
    card.write_text(re.sub(r"^kind: .*$", "kind: gossip", card.read_text(), count=1, flags=re.M))
    result = cli(["kb", "check"], TRUSTCOACH_KNOWLEDGE_DIR=str(knowledge))
    assert result.returncode == 1
    (error,) = [line for line in result.stdout.splitlines() if line.startswith(f"{card}:")]
    assert error.startswith(f"{card}:3: ") and "'gossip'" in error  # the file, line and value
    assert "Traceback" not in result.stdout + result.stderr


def test_index_says_what_it_did(cli: CliRunner, index_cache: Path, all_cards: list[Card]) -> None:
    first = cli(["index"])
    assert first.returncode == 0, first.stderr
    folder = index_cache / "index"
    assert all((folder / name).is_file() for name in INDEX_FILES)
    assert str(folder) in first.stdout and str(len(all_cards)) in first.stdout
    written = {name: (folder / name).stat().st_mtime_ns for name in INDEX_FILES}
    again = cli(["index"])
    assert again.returncode == 0, again.stderr
    assert str(folder) in again.stdout and str(len(all_cards)) in again.stdout
    # The second run loads the cache it finds, it does not build the index again.
    assert {name: (folder / name).stat().st_mtime_ns for name in INDEX_FILES} == written


def test_search_prints_json_hits_with_taxonomy_tags(cli: CliRunner) -> None:
    result = cli(["search", "retard de livraison, je suis furieux", "--k", "2", "--json"])
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert len(hits) == 2
    assert set(hits[0]) == {"id", "title", "score", "lang", "kind", "tags"}
    assert hits[0]["lang"] == "fr"
    assert any("situation:late-delivery" in hit["tags"] for hit in hits)


def test_search_reads_one_query_per_line_and_answers_one_line_each(cli: CliRunner) -> None:
    queries = "supplier wants +10%\n\nfournisseur en faillite\n"
    result = cli(["search", "--json", "--filter", "audience:buyer"], queries)
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stderr
    assert len(lines) == 3 and json.loads(lines[1]) == []
    skipped = [line for line in result.stderr.splitlines() if "''" in line]
    assert len(skipped) == 1  # one line naming the skipped (empty) query
    for line in (lines[0], lines[2]):
        assert all("audience:buyer" in hit["tags"] for hit in json.loads(line))


def test_search_refuses_unknown_filters_and_empty_queries(cli: CliRunner) -> None:
    unknown = cli(["search", "late", "--filter", "situation:lateness"])
    assert unknown.returncode == 2 and "'lateness'" in unknown.stderr  # names what is wrong
    assert unknown.stdout == "" and "Traceback" not in unknown.stderr
    empty = cli(["search", "   "])
    assert empty.returncode == 2 and empty.stdout == ""
    assert len(empty.stderr.strip().splitlines()) == 1 and "Traceback" not in empty.stderr


def test_a_missing_model_is_one_clear_line(cli: CliRunner, tmp_path: Path) -> None:
    result = cli(
        ["search", "late delivery"],
        TRUSTCOACH_EMBEDDINGS="sentence-transformers",
        TRUSTCOACH_MODEL_PATH=str(tmp_path / "no-model"),
    )
    assert result.returncode == 1
    assert "TRUSTCOACH_MODEL_PATH" in result.stderr and "Traceback" not in result.stderr


def test_eval_retrieval_prints_the_three_rankings_per_language(cli: CliRunner) -> None:
    result = cli(
        ["eval", "retrieval", "--set", str(ROOT / "knowledge" / "eval" / "retrieval_holdout.yaml")]
    )
    assert result.returncode == 0, result.stderr
    for ranking in ("dense", "lexical", "fused"):
        assert f"  {ranking:<8} en" in result.stdout and f"  {ranking:<8} fr" in result.stdout
    assert "hit@1" in result.stdout and "MRR" in result.stdout
