"""Match rows as the matcher would leave them, made with the ORM (no embedding model runs)."""

from django.utils import timezone

from matching.models import Match, SupplyKind
from organizations.models import Organization

EXPLANATION = {
    "terms": ["红外", "开关"],
    "field_levels": 2,
    "region": "city",
    "cooperation_modes": [],
    "maturity": 5,
}


def make_match(need, supply, *, status=Match.Status.PROPOSED, score=0.8, **fields):
    """A match between `need` and `supply` (a listing, or an expert service team); approved
    ones as if pushed."""
    team = isinstance(supply, Organization)
    kind = SupplyKind.TEAM if team else supply.kind
    if status == Match.Status.APPROVED:
        fields = {"reviewed_at": timezone.now(), "pushed_at": timezone.now(), **fields}
    fields.setdefault("parts", {"relevance": score, "dense": 0.7, "field": 1.0})
    fields.setdefault("explanation", EXPLANATION)
    fields.setdefault("degree", round(100 * min(score, 1)))
    return Match.objects.create(
        need=need,
        supply_kind=kind,
        supply_listing=None if team else supply,
        supply_team=supply if team else None,
        supply_key=f"{kind}:{supply.pk}",
        region=need.region,
        score=score,
        model="test-model",
        status=status,
        **fields,
    )
