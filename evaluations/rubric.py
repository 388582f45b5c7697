"""The published rubric (评价指标): five criteria, each scored by every expert of the panel on
defined bands, with the weights that make the overall score.

Technical innovation, advancement, IP strength and market prospects are scored 1–5; maturity
is the technology readiness level the expert finds (TRL 1–9, GB/T 22900-2022). Each score
counts on a 100-point scale (a band's score × 20; a TRL × 100 / 9), weighted as below. The
advancement band the panel reaches on average gives the report's level (国际领先 … 一般水平),
as evaluation reports state it. The page /evaluations/rubric/ shows this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from taxonomy.models import Maturity

SCORE_MIN = 1
SCORE_MAX = 5
TRL_MIN = Maturity.TRL1.value
TRL_MAX = Maturity.TRL9.value


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    weight: int  # percent of the overall score
    low: int
    high: int
    question: str
    bands: tuple  # (score, what it means), best first

    def points(self, value) -> Decimal:
        """The score on a 100-point scale."""
        return Decimal(value) * Decimal(100) / Decimal(self.high)


CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        key="innovation",
        label=_("technical innovation"),
        weight=25,
        low=SCORE_MIN,
        high=SCORE_MAX,
        question=_("How new are the principle, the method or the design?"),
        bands=(
            (5, _("original: a new principle or method, with key technologies of its own")),
            (4, _("major innovation in the key technologies")),
            (3, _("clear improvements over known solutions")),
            (2, _("some improvements; mostly known technology")),
            (1, _("no technical innovation to speak of")),
        ),
    ),
    Criterion(
        key="advancement",
        label=_("advancement"),
        weight=25,
        low=SCORE_MIN,
        high=SCORE_MAX,
        question=_("How do its main indicators compare with the best known at home and abroad?"),
        bands=(
            (5, _("internationally leading")),
            (4, _("internationally advanced")),
            (3, _("leading in China")),
            (2, _("advanced in China")),
            (1, _("at the common level")),
        ),
    ),
    Criterion(
        key="maturity",
        label=_("maturity (technology readiness level)"),
        weight=20,
        low=TRL_MIN,
        high=TRL_MAX,
        question=_("Which readiness level has it demonstrated, with evidence?"),
        bands=tuple((level.value, level.label) for level in reversed(Maturity)),
    ),
    Criterion(
        key="ip_strength",
        label=_("IP strength"),
        weight=15,
        low=SCORE_MIN,
        high=SCORE_MAX,
        question=_("How well do granted rights protect it, and are they free to use?"),
        bands=(
            (5, _("core invention patents granted, a patent family, no disputes")),
            (4, _("invention patents granted on the key technologies")),
            (3, _("patents filed or utility models granted")),
            (2, _("know-how only, or rights not clearly owned")),
            (1, _("no protection, or rights in dispute")),
        ),
    ),
    Criterion(
        key="market",
        label=_("market prospects"),
        weight=15,
        low=SCORE_MIN,
        high=SCORE_MAX,
        question=_("How large and how near is the market, and how strong the economic benefit?"),
        bands=(
            (5, _("large market, clear demand, strong economic and social benefit")),
            (4, _("good market, demand shown by users or pilots")),
            (3, _("a market exists; benefit to be proven")),
            (2, _("a narrow or distant market")),
            (1, _("no visible market")),
        ),
    ),
)
CRITERIA_BY_KEY = {criterion.key: criterion for criterion in CRITERIA}
KEYS = tuple(criterion.key for criterion in CRITERIA)

# The report's level, from the panel's mean advancement score (rounded half up).
LEVELS = {
    5: _("internationally leading"),
    4: _("internationally advanced"),
    3: _("leading in China"),
    2: _("advanced in China"),
    1: _("at the common level"),
}


def overall_score(means: dict[str, Decimal]) -> Decimal:
    """The weighted score out of 100, from the panel's mean per criterion."""
    total = sum(
        CRITERIA_BY_KEY[key].points(value) * CRITERIA_BY_KEY[key].weight
        for key, value in means.items()
    ) / Decimal(100)
    return Decimal(total).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def level_for(advancement_mean: Decimal) -> int:
    return int(Decimal(advancement_mean).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
