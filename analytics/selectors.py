"""Reading the funnel: counts per step, conversions, median days between steps, loss reasons,
deals by origin, breakdowns by region, field, organization type and month, and the leaderboards.

Everything is counted by the database over the aggregates (COUNT … FILTER, one query per
table or grouping; medians by analytics.medians.Median), never by loading rows. A public
figure (`public=True`) under PUBLIC_MIN_CELL is None, shown as "<5": a cell that small could
point at one organization's business; so is a median taken over fewer needs than that, and a
conversion whose counts are hidden.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from analytics.medians import Median
from analytics.models import DealJourney, NeedJourney
from analytics.services import MISSION_ORIGIN
from deals.models import Deal
from organizations.models import Organization
from outcomes.reasons import RefusalReason
from taxonomy.models import Field, Region

PUBLIC_MIN_CELL = 5
LEADERBOARD_SIZE = 20


@dataclass(frozen=True)
class Step:
    key: str
    column: str
    label: str


STEPS = [
    Step("published", "published_at", _("published")),
    Step("proposed", "proposed_at", _("match proposed")),
    Step("approved", "approved_at", _("match approved and pushed")),
    Step("interested", "interested_at", _("interest shown")),
    Step("contact", "contact_at", _("contact made")),
    Step("deal", "deal_at", _("deal opened")),
    Step("signed", "signed_at", _("contract signed")),
    Step("registered", "registered_at", _("contract registered")),
    Step("completed", "completed_at", _("completed")),
]
STEP_BY_KEY = {step.key: step for step in STEPS}
# The columns of the breakdown tables and the monthly trend.
BREAKDOWN_STEPS = [
    STEP_BY_KEY[key] for key in ("published", "approved", "contact", "deal", "signed", "registered")
]
BREAKDOWNS = ("region", "field", "kind", "month")


@dataclass(frozen=True)
class StatisticsFilter:
    """Which needs (and deals) to count. None: no limit."""

    region_ids: frozenset[int] | None = None
    field_ids: frozenset[int] | None = None
    organization_kind: str = ""
    month_from: date | None = None
    month_to: date | None = None


def region_subtree_ids(region: Region) -> frozenset[int]:
    """A region and, for a province, its cities."""
    return frozenset(
        Region.objects.filter(Q(pk=region.pk) | Q(parent=region)).values_list("id", flat=True)
    )


def field_subtree_ids(field_: Field) -> frozenset[int]:
    """A field and every field under it (the codes nest: 01 ⊃ 0101 ⊃ 010101)."""
    return frozenset(
        Field.objects.filter(code__startswith=field_.code).values_list("id", flat=True)
    )


def statistics_filter_build(
    *,
    region: Region | None = None,
    field: Field | None = None,
    organization_kind: str = "",
    month_from: date | None = None,
    month_to: date | None = None,
    within_region_ids: frozenset[int] | None = None,
) -> StatisticsFilter:
    """The filter for the choices made, kept within `within_region_ids` (a staff member's
    regions) when given."""
    region_ids = within_region_ids
    if region is not None:
        chosen = region_subtree_ids(region)
        region_ids = chosen if region_ids is None else chosen & region_ids
    return StatisticsFilter(
        region_ids=region_ids,
        field_ids=field_subtree_ids(field) if field is not None else None,
        organization_kind=organization_kind or "",
        month_from=month_from,
        month_to=month_to,
    )


def _filtered(queryset: QuerySet, filter_: StatisticsFilter, month_column: str) -> QuerySet:
    if filter_.region_ids is not None:
        queryset = queryset.filter(region_id__in=filter_.region_ids)
    if filter_.field_ids is not None:
        queryset = queryset.filter(field_id__in=filter_.field_ids)
    if filter_.organization_kind:
        queryset = queryset.filter(organization_kind=filter_.organization_kind)
    if filter_.month_from:
        queryset = queryset.filter(**{f"{month_column}__gte": filter_.month_from})
    if filter_.month_to:
        queryset = queryset.filter(**{f"{month_column}__lte": filter_.month_to})
    return queryset


def need_journeys(*, filter_: StatisticsFilter) -> QuerySet:
    """The published needs the filter covers (the funnel's cohort)."""
    return _filtered(
        NeedJourney.objects.filter(published_at__isnull=False), filter_, "published_month"
    )


def deal_journeys(*, filter_: StatisticsFilter) -> QuerySet:
    """The deals the filter covers; the months are those the deals opened in."""
    return _filtered(DealJourney.objects.all(), filter_, "opened_month")


def _cell(value: int, public: bool) -> int | None:
    return None if public and value < PUBLIC_MIN_CELL else value


def _percent(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return round(100 * part / whole, 1)


def _reached(step: Step) -> Q:
    return Q(**{f"{step.column}__isnull": False})


@dataclass
class FunnelStep:
    key: str
    label: str
    count: int | None
    from_previous: float | None = None
    from_published: float | None = None
    # Median days from the previous step, over the needs that reached both in that order.
    median_days: float | None = None
    median_sample: int | None = None


def funnel_compute(*, filter_: StatisticsFilter, public: bool) -> list[FunnelStep]:
    """The funnel in one query: needs reaching each step, and the median time between each
    step and the one before."""
    aggregates = {f"n_{step.key}": Count("pk", filter=_reached(step)) for step in STEPS}
    for previous, step in zip(STEPS, STEPS[1:], strict=False):
        both = Q(
            **{
                f"{previous.column}__isnull": False,
                f"{step.column}__isnull": False,
                f"{step.column}__gte": F(previous.column),
            }
        )
        aggregates[f"m_{step.key}"] = Median(
            ExpressionWrapper(F(step.column) - F(previous.column), output_field=DurationField()),
            filter=both,
        )
        aggregates[f"s_{step.key}"] = Count("pk", filter=both)
    figures = need_journeys(filter_=filter_).aggregate(**aggregates)
    steps = []
    published = _cell(figures["n_published"], public)
    previous_count = None
    for index, step in enumerate(STEPS):
        count = _cell(figures[f"n_{step.key}"], public)
        row = FunnelStep(key=step.key, label=str(step.label), count=count)
        if index:
            row.from_previous = _percent(count, previous_count)
            row.from_published = _percent(count, published)
            sample = figures[f"s_{step.key}"]
            median = figures[f"m_{step.key}"]
            row.median_sample = _cell(sample, public)
            if median is not None and row.median_sample is not None and sample:
                row.median_days = round(median.total_seconds() / 86400, 1)
        steps.append(row)
        previous_count = count
    return steps


@dataclass
class ReasonRow:
    reason: str
    label: str
    lost: int | None
    terminated: int | None


def loss_reasons_count(*, filter_: StatisticsFilter, public: bool) -> list[ReasonRow]:
    """Why deals were lost or their contracts terminated, most frequent first."""
    rows = (
        deal_journeys(filter_=filter_)
        .filter(Q(lost_at__isnull=False) | Q(terminated_at__isnull=False))
        .values("reason")
        .annotate(
            lost=Count("pk", filter=Q(lost_at__isnull=False)),
            terminated=Count("pk", filter=Q(terminated_at__isnull=False)),
        )
    )
    labels = dict(RefusalReason.choices)
    order = {reason: index for index, reason in enumerate(labels)}
    rows = sorted(
        rows, key=lambda row: (-row["lost"] - row["terminated"], order.get(row["reason"], 99))
    )
    result = [
        ReasonRow(
            reason=row["reason"],
            label=str(labels.get(row["reason"], row["reason"] or _("not given"))),
            lost=_cell(row["lost"], public),
            terminated=_cell(row["terminated"], public),
        )
        for row in rows
    ]
    return result


@dataclass
class BreakdownRow:
    key: str
    label: str
    counts: list[int | None] = field(default_factory=list)


def _regions_by_id() -> dict[int, Region]:
    return {region.pk: region for region in Region.objects.select_related("parent")}


def _fields_by_id() -> dict[int, Field]:
    return {item.pk: item for item in Field.objects.all()}


def _industry_of(field_id: int | None, fields: dict[int, Field]) -> int | None:
    node = fields.get(field_id)
    while node is not None and node.level > Field.Level.INDUSTRY:
        node = fields.get(node.parent_id)
    return node.pk if node else None


def breakdown_compute(
    *, filter_: StatisticsFilter, by: str, public: bool
) -> tuple[list[str], list[BreakdownRow]]:
    """Needs per region, field, organization type or month of publication, with how many got
    to the main steps: (column labels, rows).

    Regions are provinces unless the filter lies within one province (then its cities);
    fields are industries unless the filter lies within one industry (then its directions).
    The rows are summed from one grouped query before any cell is hidden.
    """
    column = {"region": "region_id", "field": "field_id", "kind": "organization_kind"}.get(
        by, "published_month"
    )
    grouped = (
        need_journeys(filter_=filter_)
        .order_by()
        .values(column)
        .annotate(**{step.key: Count("pk", filter=_reached(step)) for step in BREAKDOWN_STEPS})
    )
    if by == "region":
        regions = _regions_by_id()
        provinces = {regions[pk].province.pk for pk in filter_.region_ids or () if pk in regions}
        by_city = len(provinces) == 1

        def key_of(value):
            region = regions.get(value)
            if region is None:
                return None, None
            if not by_city:
                region = region.province
            return region.pk, region.path_label if by_city else region.label

    elif by == "field":
        fields = _fields_by_id()
        industries = {_industry_of(pk, fields) for pk in filter_.field_ids or ()}
        by_direction = filter_.field_ids is not None and len(industries) == 1

        def key_of(value):
            item = fields.get(value if by_direction else _industry_of(value, fields))
            return (item.pk, item.path_label) if item else (None, None)

    elif by == "kind":
        kinds = dict(Organization.Kind.choices)

        def key_of(value):
            return (value, str(kinds.get(value, value))) if value else (None, None)

    else:

        def key_of(value):
            return (value, value.strftime("%Y-%m")) if value else (None, None)

    totals: dict = {}
    labels: dict = {}
    for row in grouped:
        key, label = key_of(row[column])
        figures = totals.setdefault(key, [0] * len(BREAKDOWN_STEPS))
        labels[key] = label or str(_("unknown"))
        for index, step in enumerate(BREAKDOWN_STEPS):
            figures[index] += row[step.key]
    if by == "month":
        keys = sorted(totals, key=lambda key: key or date.max)
    else:
        keys = sorted(totals, key=lambda key: (-totals[key][0], labels[key]))
    rows = [
        BreakdownRow(
            key="" if key is None else str(key),
            label=labels[key],
            counts=[_cell(value, public) for value in totals[key]],
        )
        for key in keys
    ]
    return [str(step.label) for step in BREAKDOWN_STEPS], rows


@dataclass
class DealTotals:
    deals: int
    without_need: int
    signed: int
    registered: int
    completed: int
    lost: int
    terminated: int
    amount_signed: Decimal
    amount_registered: Decimal


def deal_totals_compute(*, filter_: StatisticsFilter) -> DealTotals:
    """The deals' figures, those without a need (contact about an achievement) included."""
    figures = deal_journeys(filter_=filter_).aggregate(
        deals=Count("pk"),
        without_need=Count("pk", filter=Q(need_id__isnull=True)),
        signed=Count("pk", filter=Q(signed_at__isnull=False)),
        registered=Count("pk", filter=Q(registered_at__isnull=False)),
        completed=Count("pk", filter=Q(completed_at__isnull=False)),
        lost=Count("pk", filter=Q(lost_at__isnull=False)),
        terminated=Count("pk", filter=Q(terminated_at__isnull=False)),
        amount_signed=Sum("amount", filter=Q(signed_at__isnull=False)),
        amount_registered=Sum("amount", filter=Q(registered_at__isnull=False)),
    )
    for name in ("amount_signed", "amount_registered"):
        figures[name] = figures[name] or Decimal("0")
    return DealTotals(**figures)


# The deals' origins, in the order the table shows them (deals.models.Deal.Origin, and the
# needs collected on service missions: analytics.services.deal_origin).
DEAL_ORIGINS = [
    (Deal.Origin.MATCH, Deal.Origin.MATCH.label),
    (Deal.Origin.CONVERSATION, Deal.Origin.CONVERSATION.label),
    (Deal.Origin.CHALLENGE, Deal.Origin.CHALLENGE.label),
    (Deal.Origin.ROADSHOW, Deal.Origin.ROADSHOW.label),
    (MISSION_ORIGIN, _("on a need collected by an expert service mission")),
]


@dataclass
class OriginRow:
    origin: str
    label: str
    deals: int | None
    signed: int | None
    registered: int | None
    completed: int | None


def deal_origins_count(*, filter_: StatisticsFilter, public: bool) -> list[OriginRow]:
    """The deals each origin led to, and how many of them were signed, registered (verified)
    and completed: one grouped query; every origin has its row, zeros included."""
    grouped = {
        row["origin"]: row
        for row in deal_journeys(filter_=filter_)
        .order_by()
        .values("origin")
        .annotate(
            deals=Count("pk"),
            signed=Count("pk", filter=Q(signed_at__isnull=False)),
            registered=Count("pk", filter=Q(registered_at__isnull=False)),
            completed=Count("pk", filter=Q(completed_at__isnull=False)),
        )
    }
    rows = []
    for origin, label in DEAL_ORIGINS:
        figures = grouped.get(origin, {})
        rows.append(
            OriginRow(
                origin=str(origin),
                label=str(label),
                **{
                    name: _cell(figures.get(name, 0), public)
                    for name in ("deals", "signed", "registered", "completed")
                },
            )
        )
    return rows


@dataclass
class LeaderRow:
    key: int | None
    label: str
    deals: int
    signed: int
    registered: int
    completed: int
    amount: Decimal


def leaderboard_compute(*, filter_: StatisticsFilter, by: str) -> list[LeaderRow]:
    """The deals each region, approving staff member or match led to, most first (the top
    LEADERBOARD_SIZE). For the CAST staff: the figures are not hidden."""
    column = {"region": "region_id", "staff": "approved_by_id", "match": "match_id"}[by]
    queryset = deal_journeys(filter_=filter_)
    if by != "region":
        queryset = queryset.filter(**{f"{column}__isnull": False})
    rows = list(
        queryset.order_by()
        .values(column)
        .annotate(
            deals=Count("pk"),
            signed=Count("pk", filter=Q(signed_at__isnull=False)),
            registered=Count("pk", filter=Q(registered_at__isnull=False)),
            completed=Count("pk", filter=Q(completed_at__isnull=False)),
            amount=Sum("amount", filter=Q(registered_at__isnull=False)),
        )
        .order_by("-deals", "-registered", column)[:LEADERBOARD_SIZE]
    )
    keys = [row[column] for row in rows]
    if by == "region":
        regions = Region.objects.select_related("parent").in_bulk([k for k in keys if k])
        labels = {pk: region.path_label for pk, region in regions.items()}
    elif by == "staff":
        labels = {
            user.pk: user.display_name or user.get_username()
            for user in User.objects.filter(pk__in=keys)
        }
    else:
        labels = {pk: f"#{pk}" for pk in keys}
    return [
        LeaderRow(
            key=row[column],
            label=str(labels.get(row[column], _("unknown"))),
            deals=row["deals"],
            signed=row["signed"],
            registered=row["registered"],
            completed=row["completed"],
            amount=row["amount"] or Decimal("0"),
        )
        for row in rows
    ]


def statistics_report(*, filter_: StatisticsFilter, full: bool) -> dict:
    """Everything a statistics page shows: public figures (small cells hidden) unless `full`,
    when the deals' figures and the leaderboards come too."""
    public = not full
    report = {
        "full": full,
        "funnel": funnel_compute(filter_=filter_, public=public),
        "reasons": loss_reasons_count(filter_=filter_, public=public),
        "origins": deal_origins_count(filter_=filter_, public=public),
        "breakdowns": {},
    }
    for by in BREAKDOWNS:
        columns, rows = breakdown_compute(filter_=filter_, by=by, public=public)
        report["breakdowns"][by] = rows
        report["breakdown_columns"] = columns
    if full:
        report["deals"] = deal_totals_compute(filter_=filter_)
        report["leaderboards"] = {
            by: leaderboard_compute(filter_=filter_, by=by) for by in ("region", "staff", "match")
        }
    return report


def statistics_report_shown(*, filter_: StatisticsFilter, full: bool) -> dict:
    """The report a page shows. The public one is the same for every visitor, so it is kept
    for STATISTICS_PUBLIC_CACHE_SECONDS (in the visitor's language): at a national scale it
    takes a few hundred milliseconds (bench/statistics.py), and crawlers ask often."""
    if full:
        return statistics_report(filter_=filter_, full=True)
    digest = hashlib.sha1(repr(filter_).encode(), usedforsecurity=False).hexdigest()
    key = f"statistics:public:{get_language()}:{digest}"
    report = cache.get(key)
    if report is None:
        report = statistics_report(filter_=filter_, full=False)
        cache.set(key, report, settings.STATISTICS_PUBLIC_CACHE_SECONDS)
    return report


def statistics_chart_data(report: dict) -> dict:
    """The figures the charts draw (json_script): the same as the tables, hidden cells null."""
    months = report["breakdowns"]["month"]
    return {
        "funnel": {
            "labels": [step.label for step in report["funnel"]],
            "counts": [step.count for step in report["funnel"]],
        },
        "trend": {
            "months": [row.label for row in months],
            "series": [
                {"name": label, "data": [row.counts[index] for row in months]}
                for index, label in enumerate(report["breakdown_columns"])
            ],
        },
        "origins": {
            "labels": [row.label for row in report["origins"]],
            "series": [
                [getattr(row, name) for row in report["origins"]]
                for name in ("deals", "signed", "registered", "completed")
            ],
        },
        "reasons": {
            "labels": [row.label for row in report["reasons"]],
            "lost": [row.lost for row in report["reasons"]],
            "terminated": [row.terminated for row in report["reasons"]],
        },
    }
