"""`trustcoach kb check`, `index`, `search` and `eval retrieval`, run as separate processes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from tests.e2e.conftest import CliRunner

ROOT = Path(__file__).resolve().parents[2]


def test_kb_check_passes_on_the_real_base_and_prints_coverage(cli: CliRunner) -> None:
    result = cli(["kb", "check"])
    assert result.returncode == 0, result.stdout
    assert "competency:courage.candor (exercises)" in result.stdout
    assert "situation:audit" in result.stdout and result.stdout.rstrip().endswith("OK")


def test_kb_check_names_the_broken_file_and_line(cli: CliRunner, tmp_path: Path) -> None:
    knowledge = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledge", knowledge)
    card = next((knowledge / "cards").rglob("*.md"))
    card.write_text(re.sub(r"^kind: .*$", "kind: gossip", card.read_text(), count=1, flags=re.M))
    result = cli(["kb", "check"], TRUSTCOACH_KNOWLEDGE_DIR=str(knowledge))
    assert result.returncode == 1
    assert f"{card}:3: unknown kind 'gossip'" in result.stdout
    assert "FAILED" in result.stdout


def test_index_says_what_it_did(cli: CliRunner) -> None:
    first = cli(["index"])
    assert first.returncode == 0, first.stderr
    assert "the card index" in first.stdout and "cards" in first.stdout
    again = cli(["index"])
    assert again.stdout.startswith("Loaded the card index") and "cache matches" in again.stdout


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
    assert len(lines) == 3 and json.loads(lines[1]) == []
    assert "skipped query" in result.stderr
    for line in (lines[0], lines[2]):
        assert all("audience:buyer" in hit["tags"] for hit in json.loads(line))


def test_search_refuses_unknown_filters_and_empty_queries(cli: CliRunner) -> None:
    unknown = cli(["search", "late", "--filter", "situation:lateness"])
    assert unknown.returncode == 2 and "unknown situation 'lateness'" in unknown.stderr
    empty = cli(["search", "   "])
    assert empty.returncode == 2 and "empty" in empty.stderr


def test_a_missing_model_is_one_clear_line(cli: CliRunner, tmp_path: Path) -> None:
    result = cli(["search", "late delivery"], TRUSTCOACH_MODEL_PATH=str(tmp_path / "no-model"))
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
