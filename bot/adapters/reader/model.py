"""The message reader's trained heads, their decision thresholds, and how they are kept on disk."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .heads import SigmoidHeads, SoftmaxHead

SOFTMAX_HEADS = ("emotion", "intensity", "intent", "safety", "meeting")


@dataclass(frozen=True)
class Thresholds:
    """Where probabilities become decisions, chosen by 5-fold cross-validation on the corpus.

    Safety puts recall first: a weak signal already gets a calm check-in question (at 0.40,
    recall 0.95-0.97 for 0.09-0.12 false alarms); situations trade precision for recall.
    """

    safety_weak: float = 0.40
    safety_clear: float = 0.65
    situation: float = 0.35
    max_situations: int = 3


@dataclass
class ReaderModel:
    """Every head of the reader."""

    emotion: SoftmaxHead
    intensity: SoftmaxHead
    intent: SoftmaxHead
    safety: SoftmaxHead
    meeting: SoftmaxHead
    situations: SigmoidHeads
    thresholds: Thresholds

    def save(self, folder: Path) -> None:
        """Write the weights (npz, no pickle) and a manifest holding their hash."""
        folder.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {}
        labels: dict[str, list[str]] = {}
        for name in (*SOFTMAX_HEADS, "situations"):
            head = getattr(self, name)
            arrays[f"{name}.weights"] = head.weights
            arrays[f"{name}.bias"] = head.bias
            labels[name] = list(head.labels)
        weights = folder / "weights.npz"
        np.savez(weights, allow_pickle=False, **arrays)
        manifest = {
            "labels": labels,
            "thresholds": asdict(self.thresholds),
            "sha256": hashlib.sha256(weights.read_bytes()).hexdigest(),
        }
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> ReaderModel:
        """Read saved weights; ValueError when they do not match their manifest."""
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        weights = folder / "weights.npz"
        if hashlib.sha256(weights.read_bytes()).hexdigest() != manifest["sha256"]:
            raise ValueError(f"{weights} does not match its manifest")
        with np.load(weights, allow_pickle=False) as arrays:
            heads = {
                name: (SigmoidHeads if name == "situations" else SoftmaxHead)(
                    tuple(manifest["labels"][name]),
                    np.asarray(arrays[f"{name}.weights"], dtype=np.float32),
                    np.asarray(arrays[f"{name}.bias"], dtype=np.float32),
                )
                for name in (*SOFTMAX_HEADS, "situations")
            }
        return cls(**heads, thresholds=Thresholds(**manifest["thresholds"]))  # type: ignore[arg-type]
