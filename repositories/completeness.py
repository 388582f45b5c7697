"""How complete a listing is, and what its author should add to be matched well.

Rules read plain values (a dict of field name → value), so the same scoring serves the
live hints while a form is being written and the stored score of a saved listing.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from repositories.models import ListingKind

_HAS_NUMBER = re.compile(r"\d")


def _length(value):
    return len((value or "").strip()) if isinstance(value, str) else 0


def _longer(name, minimum):
    return lambda data: _length(data.get(name)) >= minimum


def _filled(name):
    return lambda data: bool(data.get(name))


@dataclass(frozen=True)
class Rule:
    weight: int
    passes: object
    hint: str


def _field_is_direction(data):
    field = data.get("field")
    return field is not None and getattr(field, "level", 0) == 3


COMMON_RULES = [
    Rule(10, _longer("summary", 60), _("Write a public summary of at least 60 characters.")),
    Rule(
        10,
        _field_is_direction,
        _("Choose the technical direction (the third level) so the right experts see it."),
    ),
    Rule(5, _filled("cooperation_modes"), _("Say which cooperation modes you accept.")),
]

RULES = {
    ListingKind.NEED: [
        Rule(
            5,
            _longer("title", 8),
            _("Give a specific title naming the problem (at least 8 characters)."),
        ),
        Rule(
            20,
            _longer("problem", 100),
            _(
                "Describe the technical problem in at least 100 characters: "
                "what fails, where, how often."
            ),
        ),
        Rule(
            10,
            _longer("background", 50),
            _("Explain the background: your product, process and why now."),
        ),
        Rule(
            15,
            lambda data: bool(_HAS_NUMBER.search(data.get("target_indicators") or "")),
            _("State measurable target indicators, for example “efficiency ≥ 95%”."),
        ),
        Rule(
            5, _filled("constraints"), _("Name the constraints: cost, space, standards, materials.")
        ),
        Rule(
            10,
            lambda data: bool(data.get("budget_negotiable") or data.get("budget_max")),
            _("Give a budget range, or mark it negotiable."),
        ),
        Rule(5, _filled("deadline"), _("Say by when you need a solution.")),
    ],
    ListingKind.ACHIEVEMENT: [
        Rule(
            5,
            _longer("title", 8),
            _("Give a specific title naming the technology (at least 8 characters)."),
        ),
        Rule(
            20,
            _longer("description", 150),
            _(
                "Describe the technology in at least 150 characters: "
                "principle, performance, evidence."
            ),
        ),
        Rule(
            10,
            _longer("innovation_points", 30),
            _("List the innovation points against existing solutions."),
        ),
        Rule(
            10,
            _longer("application_scenarios", 30),
            _("Name the industries and scenarios where it applies."),
        ),
        Rule(10, _filled("maturity"), _("Give the maturity (technology readiness level).")),
        Rule(
            5,
            lambda data: (
                data.get("ip_status") not in (None, "", "none") or bool(data.get("patent_numbers"))
            ),
            _("State the intellectual property: patents, software copyright or know-how."),
        ),
        Rule(
            5,
            lambda data: bool(data.get("price_negotiable") or data.get("price")),
            _("Give a price, or mark it negotiable."),
        ),
        Rule(5, _filled("owner_names"), _("Name the people who developed it.")),
    ],
    ListingKind.PROJECT: [
        Rule(5, _longer("title", 8), _("Give a specific title (at least 8 characters).")),
        Rule(
            20,
            _longer("description", 150),
            _("Describe the project in at least 150 characters: goal, technology, progress."),
        ),
        Rule(10, _filled("stage"), _("Give the project's stage.")),
        Rule(
            10,
            _filled("seeking"),
            _("Say what the project seeks: partners, funding, a pilot site…"),
        ),
        Rule(
            15,
            _longer("needs_description", 50),
            _("Describe what you need from a partner in at least 50 characters."),
        ),
        Rule(10, _longer("team", 30), _("Introduce the team.")),
    ],
    ListingKind.TALENT: [
        Rule(5, _longer("title", 2), _("Give the expert's name.")),
        Rule(
            20,
            _longer("research_interests", 50),
            _("Describe the research interests in at least 50 characters."),
        ),
        Rule(10, _filled("disciplines"), _("List the disciplines.")),
        Rule(
            5,
            _filled("titles"),
            _("Give professional titles, such as professor or senior engineer."),
        ),
        Rule(
            15,
            _longer("representative_achievements", 50),
            _("List representative achievements: patents, papers, products."),
        ),
        Rule(10, _longer("representative_projects", 30), _("List representative projects.")),
        Rule(
            5,
            lambda data: data.get("availability") not in (None, "", "unavailable"),
            _("Say how you can serve enterprises: consulting, part-time, on site…"),
        ),
    ],
}


def completeness_evaluate(*, kind, data):
    """(score 0–100, hints for what is missing) for a listing's values."""
    rules = RULES[kind] + COMMON_RULES
    total = sum(rule.weight for rule in rules)
    earned = 0
    hints = []
    for rule in rules:
        if rule.passes(data):
            earned += rule.weight
        else:
            hints.append(rule.hint)
    return round(100 * earned / total), hints


def completeness_of_listing(listing, cooperation_modes=None):
    """Score and hints for a listing object; pass `cooperation_modes` when not yet saved."""
    data = {
        f.name: getattr(listing, f.name) for f in listing._meta.concrete_fields if not f.is_relation
    }
    data["field"] = listing.field
    if cooperation_modes is None:
        cooperation_modes = list(listing.cooperation_modes.all())
    data["cooperation_modes"] = list(cooperation_modes)
    return completeness_evaluate(kind=listing.kind, data=data)
