"""The match degree: the estimated chance that a reviewer finds a candidate relevant.

A logistic model over the matcher's signals (matcher.FEATURES) turns each candidate into a
probability; the degree shown to people is that probability in percent, and proposals below
MATCHING["threshold"] never reach the staff. One model per kind of candidate ("default" for the
kinds without their own).

Where the model comes from (:func:`active_ranker`): the newest active RankerModel row, which the
periodic retraining writes (matching.training); before any, the model fitted on the judged
development data, shipped in ranker_initial.json. A model that cannot be applied (a feature
this code no longer computes) falls back to the hand weights: the hand-weighted score through
the logistic calibration shipped beside it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

INITIAL = Path(__file__).with_name("ranker_initial.json")
HAND_FEATURES = ("score",)


@dataclass(frozen=True)
class LogisticModel:
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    intercept: float

    def probabilities(self, rows):
        """P(relevant) for each row ({feature: value}); a missing feature raises KeyError."""
        if not rows:
            return np.zeros(0)
        x = np.array([[float(row[name]) for name in self.features] for row in rows])
        z = ((x - self.mean) / self.scale) @ np.asarray(self.weights) + self.intercept
        return 1 / (1 + np.exp(-z))

    def as_dict(self):
        return {
            "features": list(self.features),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "weights": list(self.weights),
            "intercept": self.intercept,
        }

    @classmethod
    def from_dict(cls, data):
        model = cls(
            features=tuple(data["features"]),
            mean=tuple(float(v) for v in data["mean"]),
            scale=tuple(float(v) for v in data["scale"]),
            weights=tuple(float(v) for v in data["weights"]),
            intercept=float(data["intercept"]),
        )
        sizes = {len(model.features), len(model.mean), len(model.scale), len(model.weights)}
        if len(sizes) != 1 or 0.0 in model.scale:
            raise ValueError("a ranker model's features, means, scales and weights must align")
        return model


@dataclass(frozen=True)
class Ranker:
    """Models by candidate kind, and the hand weights' calibration to fall back on."""

    version: str
    models: dict
    hand: LogisticModel

    def model_for(self, kind):
        return self.models.get(kind) or self.models.get("default") or self.hand

    def probabilities(self, kind, rows):
        model = self.model_for(kind)
        try:
            return model.probabilities(rows)
        except KeyError as missing:
            logger.error("ranker %s lacks feature %s: hand weights used", self.version, missing)
            return self.hand.probabilities(rows)

    def as_dict(self):
        return {
            "version": self.version,
            "models": {kind: model.as_dict() for kind, model in self.models.items()},
            "hand": self.hand.as_dict(),
        }

    @classmethod
    def from_dict(cls, data):
        return cls(
            version=str(data["version"]),
            models={kind: LogisticModel.from_dict(m) for kind, m in data["models"].items()},
            hand=LogisticModel.from_dict(data["hand"]),
        )


@lru_cache(maxsize=1)
def initial_ranker():
    return Ranker.from_dict(json.loads(INITIAL.read_text(encoding="utf-8")))


def hand_ranker():
    """The hand weights alone, calibrated: what stands in when no model can be read."""
    return Ranker(version="hand", models={}, hand=initial_ranker().hand)


def active_ranker():
    """The newest active model, else the shipped initial one."""
    from matching.models import RankerModel

    row = RankerModel.objects.filter(active=True).order_by("-version").first()
    if row is None:
        return initial_ranker()
    return _ranker_of(row.version, json.dumps(row.coefficients, sort_keys=True))


@lru_cache(maxsize=8)
def _ranker_of(version, models_json):
    try:
        models = json.loads(models_json)
        return Ranker(
            version=f"v{version}",
            models={kind: LogisticModel.from_dict(m) for kind, m in models.items()},
            hand=initial_ranker().hand,
        )
    except (KeyError, TypeError, ValueError):
        logger.exception("ranker v%s cannot be read: hand weights used", version)
        return hand_ranker()
