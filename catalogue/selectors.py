"""Reads of the catalogue: what an actor may see, the public browse with its filters, the
staff's queue, and the offerings proposed beside a need or an achievement."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils.translation import gettext_lazy as _

from catalogue.models import OfferingStatus, ServiceCategory, ServiceOffering
from catalogue.permissions import provider_kind_allowed
from credit.models import CreditStanding
from organizations.models import Organization
from organizations.selectors import Actor
from outcomes.models import OutcomeEvent
from search.text import query_words
from taxonomy.models import Field, Region

RegionThrough = ServiceOffering.regions.through
FieldThrough = ServiceOffering.fields.through


def category_list() -> QuerySet[ServiceCategory]:
    return ServiceCategory.objects.order_by("position", "code")


def _with_relations(qs):
    return qs.select_related("provider", "provider__region", "category").prefetch_related(
        "regions", "fields"
    )


def offering_list_visible(*, actor: Actor) -> QuerySet[ServiceOffering]:
    """Published offerings; the actor's organizations' own in every state; those of the
    regions its CAST office reviews in every state but draft (all for a superuser)."""
    visible = Q(status=OfferingStatus.PUBLISHED) | Q(provider_id__in=actor.organization_ids)
    if actor.is_superuser:
        visible |= ~Q(status=OfferingStatus.DRAFT)
    elif actor.review_region_ids:
        visible |= Q(provider__region_id__in=actor.review_region_ids) & ~Q(
            status=OfferingStatus.DRAFT
        )
    return ServiceOffering.objects.filter(visible)


def offering_get(*, actor: Actor, pk: int) -> ServiceOffering | None:
    return _with_relations(offering_list_visible(actor=actor)).filter(pk=pk).first()


def offering_list_own(*, actor: Actor) -> QuerySet[ServiceOffering]:
    return _with_relations(
        ServiceOffering.objects.filter(provider_id__in=actor.organization_ids)
    ).order_by("-updated_at", "-id")


def offering_list_for_review(*, actor: Actor) -> QuerySet[ServiceOffering]:
    """Offerings awaiting review whose provider is in the actor's regions, oldest first."""
    qs = ServiceOffering.objects.filter(status=OfferingStatus.PENDING)
    if not actor.is_superuser:
        qs = qs.filter(provider__region_id__in=actor.review_region_ids)
    return _with_relations(qs).order_by("submitted_at", "id")


def provider_organizations(*, actor: Actor) -> QuerySet[Organization]:
    """The actor's organizations that may offer services (drafts are allowed before the
    organization is verified; submitting needs it verified)."""
    organizations = Organization.objects.filter(id__in=actor.organization_ids).order_by(
        "name_sort_key"
    )
    return organizations.filter(
        id__in=[org.id for org in organizations if provider_kind_allowed(org)]
    )


def served_regions_q(region: Region) -> Q:
    """Offerings that serve `region`: nationwide ones (no region named), those naming it or
    its province, and for a province those naming one of its cities."""
    if region.parent_id:
        ids = [region.id, region.parent_id]
    else:
        ids = [region.id, *Region.objects.filter(parent=region).values_list("id", flat=True)]
    named = Exists(
        RegionThrough.objects.filter(serviceoffering_id=OuterRef("pk"), region_id__in=ids)
    )
    nationwide = ~Exists(RegionThrough.objects.filter(serviceoffering_id=OuterRef("pk")))
    return Q(named) | Q(nationwide)


def _field_family_ids(field: Field) -> list[int]:
    """The field, its ancestors and its descendants."""
    ids = {node.id for node in field.lineage()}
    ids.update(
        Field.objects.filter(Q(parent=field) | Q(parent__parent=field)).values_list("id", flat=True)
    )
    return list(ids)


def offering_list_public(
    *,
    category: ServiceCategory | None = None,
    region: Region | None = None,
    field: Field | None = None,
    price_kind: str = "",
    query: str = "",
) -> QuerySet[ServiceOffering]:
    """Published offerings narrowed by the browse page's filters, ranked by their provider's
    standing — levels A, then B, then C together with providers without enough history (a
    newcomer is neither rewarded nor buried), then D — and newest first within a rank. The
    provider's cached standing is annotated for the cards (provider_credit_score,
    provider_credit_level)."""
    qs = offering_filter(
        ServiceOffering.objects.filter(status=OfferingStatus.PUBLISHED),
        category=category,
        region=region,
        field=field,
        price_kind=price_kind,
        query=query,
    )
    standing = CreditStanding.objects.filter(organization_id=OuterRef("provider_id"))
    return (
        _with_relations(qs)
        .annotate(
            provider_credit_score=Subquery(standing.values("score")[:1]),
            provider_credit_level=Subquery(standing.values("level")[:1]),
        )
        .annotate(
            provider_credit_rank=Case(
                When(provider_credit_level="A", then=Value(3)),
                When(provider_credit_level="B", then=Value(2)),
                When(provider_credit_level="D", then=Value(0)),
                default=Value(1),
            )
        )
        .order_by("-provider_credit_rank", "-published_at", "-id")
    )


def offering_filter(
    qs: QuerySet[ServiceOffering],
    *,
    category: ServiceCategory | None = None,
    region: Region | None = None,
    field: Field | None = None,
    price_kind: str = "",
    query: str = "",
) -> QuerySet[ServiceOffering]:
    """The browse filters, on any queryset of offerings (the page's, the API's scoped one).

    `field` keeps those tagged with the field, a broader or a narrower one (offerings for
    every field are left out: the filter is for finding specialists). The keywords: every
    word of the query (search.text.query_words), in the title, description, deliverables or
    the provider's name (icontains: thousands of offerings, not millions, so no index is
    needed).
    """
    if category is not None:
        qs = qs.filter(category=category)
    if price_kind:
        qs = qs.filter(price_kind=price_kind)
    if region is not None:
        qs = qs.filter(served_regions_q(region))
    if field is not None:
        qs = qs.filter(
            Exists(
                FieldThrough.objects.filter(
                    serviceoffering_id=OuterRef("pk"), field_id__in=_field_family_ids(field)
                )
            )
        )
    for word in query_words(query):
        qs = qs.filter(
            Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(deliverables__icontains=word)
            | Q(provider__name__icontains=word)
        )
    return qs


# --- proposals beside a listing -----------------------------------------------------------

TRANSFER_MODES = {"transfer", "license", "equity"}
DEVELOPMENT_MODES = {"joint_development", "commissioned_development"}
# A need whose problem is told in fewer characters than this, without target indicators, is
# thin: experts could help write it.
THIN_NEED_CHARS = 120
BIG_BUDGET = Decimal("100")  # 万元


@dataclass(frozen=True)
class Proposal:
    offering: ServiceOffering
    reason: str


def _need_reasons(need, modes: set[str]) -> list[tuple[str, str]]:
    """(category code, why) for a need, most useful first."""
    reasons = []
    text = f"{need.problem}{need.target_indicators}"
    if len(need.problem) < THIN_NEED_CHARS and not need.target_indicators.strip():
        reasons.append(
            ("demand_analysis", _("The need is brief: a demand analysis makes it precise."))
        )
    if OutcomeEvent.objects.filter(name=OutcomeEvent.Name.DEAL_SIGNED, data__need=need.pk).exists():
        reasons.append(
            (
                "contract_registration",
                _("A contract was signed: register it for the tax relief."),
            )
        )
    if modes & TRANSFER_MODES:
        reasons.append(("valuation", _("Before a transfer, have the technology valued.")))
        reasons.append(
            ("patent_search", _("Before buying, check the patents and freedom to operate."))
        )
        reasons.append(("legal", _("Have the transfer or licence contract drafted by lawyers.")))
    if modes & DEVELOPMENT_MODES:
        reasons.append(("pilot", _("A developed process needs pilot scale-up before production.")))
        reasons.append(("legal", _("Have the development contract drafted by lawyers.")))
    if need.target_indicators.strip() or "检测" in text:
        reasons.append(("testing", _("Have the target indicators tested by a laboratory.")))
    if need.budget_max is not None and need.budget_max >= BIG_BUDGET:
        reasons.append(("financing", _("A large budget: financing services can help fund it.")))
    if not modes:
        reasons.append(
            ("brokerage", _("No cooperation mode chosen yet: a broker can find the way."))
        )
    reasons.append(("consulting", _("Experts can advise on the technical route.")))
    return reasons


def _achievement_reasons(achievement, modes: set[str]) -> list[tuple[str, str]]:
    reasons = []
    maturity = achievement.maturity or 0
    if maturity and maturity <= 4:
        reasons.append(
            ("proof_of_concept", _("A laboratory result: a proof of concept shows it works."))
        )
    elif maturity and maturity <= 6:
        reasons.append(("pilot", _("Pilot scale-up takes the result towards production.")))
    if modes & TRANSFER_MODES or not modes:
        reasons.append(("valuation", _("Before a transfer, have the technology valued.")))
    if not achievement.patent_numbers.strip():
        reasons.append(("patent_agency", _("No patent named: protect the result first.")))
    reasons.append(("evaluation", _("An independent evaluation convinces buyers.")))
    reasons.append(("brokerage", _("A technology broker can find buyers.")))
    return reasons


def offering_proposals_for_listing(*, listing, limit: int = 4) -> list[Proposal]:
    """Published offerings that would help with a need (or an achievement), one per
    category, in the order of the rules, each with the reason it is proposed.

    The rules read the listing's cooperation modes, text, budget, maturity and whether a deal
    on it was signed (the outcome log). Among a category's offerings serving the listing's
    region (or nationwide), those in the listing's field come first, then those naming the
    region rather than the whole country, then the newest. Offerings of the listing's own
    organization are left out.
    """
    kind = getattr(listing, "kind", None)
    if kind not in ("need", "achievement"):
        return []
    specific = listing.specific
    modes = {mode.code for mode in listing.cooperation_modes.all()}
    rules = (
        _need_reasons(specific, modes) if kind == "need" else _achievement_reasons(specific, modes)
    )
    seen, ordered = set(), []
    for code, reason in rules:
        if code not in seen:
            seen.add(code)
            ordered.append((code, reason))
    candidates = (
        ServiceOffering.objects.filter(
            status=OfferingStatus.PUBLISHED, category__code__in=[code for code, _r in ordered]
        )
        .filter(served_regions_q(listing.region))
        .exclude(provider_id=listing.organization_id)
        .select_related("provider", "category")
        .prefetch_related("regions", "fields")
        .order_by("-published_at", "-id")[:300]
    )
    family = set(_field_family_ids(listing.field)) if listing.field_id else set()

    def rank(offering):
        field_ids = {field.id for field in offering.fields.all()}
        return (
            0 if field_ids & family else (1 if not field_ids else 2),
            0 if offering.regions.all() else 1,
        )

    by_category: dict[str, list[ServiceOffering]] = {}
    for offering in candidates:
        by_category.setdefault(offering.category.code, []).append(offering)
    proposals = []
    for code, reason in ordered:
        offerings = sorted(by_category.get(code, []), key=rank)
        if offerings and rank(offerings[0])[0] < 2:
            proposals.append(Proposal(offering=offerings[0], reason=str(reason)))
        if len(proposals) >= limit:
            break
    return proposals
