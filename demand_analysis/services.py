"""Writes about demand analyses: asking for one, writing and submitting it, and the owner's
decision, which copies the chosen parts into the need.

The need is only ever changed through repositories.services.listing_update, so a published
need's changes become its pending revision, which the CAST staff review as any other edit;
their approval re-indexes the need and matches it again (repositories announce the change and
matching enqueues the work). A need not yet published is edited in place and matched again at
once the same way. Nothing here enqueues a second match.

Submission and acceptance are recorded in the outcome log (demand_analysis.submitted,
demand_analysis.accepted) in the same transaction; the other side is told in the app and by
e-mail (outbox) and its programs by the webhook demand_analysis.updated.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from core.web import site_url
from deals.models import ContractType
from demand_analysis.models import (
    ANALYSIS_OPEN,
    MAX_INDICATORS,
    MAX_ROUTES,
    MAX_SUB_PROBLEMS,
    NOTE_MAX_LENGTH,
    SUB_PROBLEM_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    AnalysisPart,
    AnalysisSource,
    AnalysisStatus,
    DemandAnalysis,
    Indicator,
    SolutionRoute,
)
from demand_analysis.permissions import (
    analysis_can_decide,
    analysis_can_write,
    analysis_is_owner,
)
from demand_analysis.selectors import analysis_open_for_staff
from notifications.models import Notification
from notifications.services import Words, notify
from orders.models import Order
from organizations.models import Organization
from organizations.selectors import Actor, organization_reviewers, region_office
from organizations.services import notify_organization
from outcomes.models import OutcomeEvent
from outcomes.services import outcome_record
from repositories.models import ListingStatus, Need
from repositories.services import listing_pending_revision, listing_update
from taxonomy.models import CooperationMode, Maturity
from webhooks.models import WebhookEvent
from webhooks.services import webhook_emit

CATEGORY_CODE = "demand_analysis"

# The cooperation mode (taxonomy) that a suggested contract type asks for.
MODE_FOR_CONTRACT = {
    ContractType.DEVELOPMENT_COMMISSIONED: "commissioned_development",
    ContractType.DEVELOPMENT_COOPERATIVE: "joint_development",
    ContractType.TRANSFER: "transfer",
    ContractType.LICENSE_EXCLUSIVE: "license",
    ContractType.LICENSE_SOLE: "license",
    ContractType.LICENSE_ORDINARY: "license",
    ContractType.CONSULTING: "consulting",
    ContractType.SERVICE: "technical_service",
}


# --- helpers -------------------------------------------------------------------------------


def _clean_text(value, field: str, *, limit: int, required: bool = False) -> str:
    value = (value or "").replace("\x00", "").strip()
    if required and not value:
        raise ValidationError({field: _("Fill in this field.")})
    if len(value) > limit:
        raise ValidationError({field: _("Keep it within %(limit)d characters.") % {"limit": limit}})
    return value


def _payload(analysis: DemandAnalysis, **extra) -> dict:
    """A webhook's data about an analysis: the programs fetch the rest from the API."""
    return {
        "demand_analysis": {
            "id": analysis.pk,
            "need": analysis.need_id,
            "status": analysis.status,
            "source": analysis.source,
            "analyst": analysis.analyst_id,
            "order": analysis.order_id,
            "accepted_parts": analysis.accepted_parts,
            "url": site_url(analysis.get_absolute_url()),
        },
        **extra,
    }


def _tell_owner(analysis: DemandAnalysis, *, title: Words, body: Words = "", action: str) -> None:
    need = analysis.need
    notify_organization(
        organization=need.organization,
        topic=Notification.Topic.DEMAND_ANALYSIS,
        title=title,
        body=body,
        url=analysis.get_absolute_url(),
    )
    webhook_emit(
        organization=need.organization_id,
        event=WebhookEvent.DEMAND_ANALYSIS_UPDATED,
        payload=_payload(analysis, action=action),
    )


def _tell_analyst(analysis: DemandAnalysis, *, title: Words, body: Words = "", action: str) -> None:
    if analysis.analyst_id is None:
        office = region_office(region=analysis.region)
        notify(
            users=organization_reviewers(office=office),
            topic=Notification.Topic.DEMAND_ANALYSIS,
            title=title,
            body=body,
            url=analysis.get_absolute_url(),
        )
        return
    notify_organization(
        organization=analysis.analyst,
        topic=Notification.Topic.DEMAND_ANALYSIS,
        title=title,
        body=body,
        url=analysis.get_absolute_url(),
    )
    webhook_emit(
        organization=analysis.analyst_id,
        event=WebhookEvent.DEMAND_ANALYSIS_UPDATED,
        payload=_payload(analysis, action=action),
    )


def _staff_office(actor: Actor, region) -> Organization | None:
    """The actor's CAST office that oversees the region (the city's, else the province's);
    for a platform administrator without one, the region's office, if any."""
    region_ids = [region.id] + ([region.parent_id] if region.parent_id else [])
    offices = Organization.objects.filter(
        pk__in=actor.organization_ids,
        kind=Organization.Kind.CAST_OFFICE,
        status=Organization.Status.VERIFIED,
        region_id__in=region_ids,
    )
    office = min(offices, key=lambda o: region_ids.index(o.region_id), default=None)
    if office is None and actor.is_superuser:
        office = region_office(region=region)
    return office


def _own_need(actor: Actor, need: Need) -> None:
    if need.organization_id not in actor.organization_ids:
        raise PermissionDenied(_("Only the need's owner asks for an analysis of it."))
    if need.status == ListingStatus.CLOSED:
        raise ValidationError({"need": _("This need is closed.")})


# --- asking --------------------------------------------------------------------------------


@transaction.atomic
def analysis_request(
    *, actor: Actor, need: Need, note: str = "", team: Organization | None = None
) -> DemandAnalysis:
    """The owner asks the CAST staff of the need's region (team None) or invites an expert
    service team to analyse the need. The staff find it in their queue; the team is told."""
    _own_need(actor, need)
    note = _clean_text(note, "note", limit=NOTE_MAX_LENGTH)
    if team is None:
        if analysis_open_for_staff(need=need) is not None:
            raise ValidationError(
                {"team": _("The CAST staff have been asked already; their analysis is under way.")}
            )
        analysis = DemandAnalysis.objects.create(
            need=need,
            source=AnalysisSource.CAST_STAFF,
            region_id=need.region_id,
            status=AnalysisStatus.REQUESTED,
            request_note=note,
            created_by=actor.user,
        )
        office = region_office(region=need.region)
        notify(
            users=organization_reviewers(office=office),
            topic=Notification.Topic.DEMAND_ANALYSIS,
            title=lambda: (
                _("%(owner)s asks for a demand analysis: %(title)s")
                % {"owner": need.organization.name, "title": need.title}
            ),
            body=note,
            url=analysis.get_absolute_url(),
        )
        return analysis
    errors = {}
    if team.kind != Organization.Kind.SERVICE_TEAM or not team.is_verified:
        errors["team"] = _("Choose a verified expert service team.")
    elif team.pk == need.organization_id:
        errors["team"] = _("Your own organization cannot analyse your need for you.")
    elif DemandAnalysis.objects.filter(
        need=need, analyst=team, status__in=list(ANALYSIS_OPEN)
    ).exists():
        errors["team"] = _("This team has been asked already.")
    if errors:
        raise ValidationError(errors)
    analysis = DemandAnalysis.objects.create(
        need=need,
        source=AnalysisSource.SERVICE_TEAM,
        analyst=team,
        region_id=need.region_id,
        status=AnalysisStatus.REQUESTED,
        request_note=note,
        created_by=actor.user,
    )
    _tell_analyst(
        analysis,
        title=lambda: (
            _("%(owner)s invites you to analyse a need: %(title)s")
            % {"owner": need.organization.name, "title": need.title}
        ),
        body=note,
        action="requested",
    )
    return analysis


def analysis_open_for_order(*, order: Order) -> DemandAnalysis | None:
    """The analysis a demand-analysis order on a need is delivered as: opened (once) when the
    provider takes the order on. None for an order of another category or without a need."""
    if order.category.code != CATEGORY_CODE or order.listing_id is None:
        return None
    existing = DemandAnalysis.objects.filter(order=order).first()
    if existing is not None:
        return existing
    need = Need.objects.filter(pk=order.listing_id).select_related("organization").first()
    if need is None or need.organization_id != order.buyer_id:
        return None
    # A team invited before it was ordered from writes the same analysis.
    invited = DemandAnalysis.objects.filter(
        need=need, analyst_id=order.provider_id, status__in=["requested", "draft"], order=None
    ).first()
    if invited is not None:
        invited.order = order
        invited.source = AnalysisSource.ORDER
        invited.save(update_fields=["order", "source", "updated_at"])
        return invited
    return DemandAnalysis.objects.create(
        need=need,
        source=AnalysisSource.ORDER,
        analyst_id=order.provider_id,
        order=order,
        region_id=need.region_id,
        status=AnalysisStatus.REQUESTED,
        request_note=order.scope[:NOTE_MAX_LENGTH],
        created_by=order.created_by,
    )


@transaction.atomic
def analysis_start(*, actor: Actor, need: Need, order: Order | None = None) -> DemandAnalysis:
    """An analyst starts writing without waiting for a request: the provider of a demand-
    analysis order on the need, or the CAST staff of the need's region. An expert service team
    writes only when invited (analysis_request)."""
    if order is not None:
        if order.listing_id != need.pk or order.category.code != CATEGORY_CODE:
            raise ValidationError(
                {"order": _("Choose a demand-analysis order placed on this need.")}
            )
        if order.provider_id not in actor.organization_ids:
            raise PermissionDenied(_("Only the order's provider writes its analysis."))
        analysis = analysis_open_for_order(order=order)
        if analysis is None or not analysis_can_write(actor=actor, analysis=analysis):
            raise ValidationError(
                {"order": _("The order must be under way before its analysis is written.")}
            )
        return analysis
    if not (actor.is_authenticated and actor.can_review_region(need.region_id)):
        raise PermissionDenied(
            _(
                "An analysis is written by the provider of a demand-analysis order, the CAST "
                "staff of the need's region, or an expert service team the owner invited."
            )
        )
    if need.status == ListingStatus.CLOSED:
        raise ValidationError({"need": _("This need is closed.")})
    existing = analysis_open_for_staff(need=need)
    if existing is not None:
        return existing
    return DemandAnalysis.objects.create(
        need=need,
        source=AnalysisSource.CAST_STAFF,
        analyst=_staff_office(actor, need.region),
        region_id=need.region_id,
        status=AnalysisStatus.DRAFT,
        created_by=actor.user,
    )


# --- writing -------------------------------------------------------------------------------


def _row_errors(row: int, error: ValidationError, model) -> list[str]:
    messages = []
    for name, field_messages in error.message_dict.items():
        label = capfirst(model._meta.get_field(name).verbose_name)
        for message in field_messages:
            messages.append(
                _("Row %(row)d · %(field)s: %(message)s")
                % {"row": row, "field": label, "message": message}
            )
    return messages


def _clean_rows(rows: Iterable[dict], model, fields: Sequence[str], limit: int, key: str):
    """Unsaved model rows from dicts, empty rows dropped; field errors named by row and field."""
    cleaned, errors = [], []
    rows = list(rows or [])
    for number, row in enumerate(rows, start=1):
        values = {name: (str(row.get(name) or "")).replace("\x00", "").strip() for name in fields}
        if not any(values.values()):
            continue
        instance = model(position=len(cleaned), **values)
        try:
            instance.full_clean(exclude=["analysis"])
        except ValidationError as error:
            errors.extend(_row_errors(number, error, model))
        cleaned.append(instance)
    if len(cleaned) > limit:
        errors.append(_("At most %(count)d rows.") % {"count": limit})
    if errors:
        raise ValidationError({key: errors})
    return cleaned


def _clean_sub_problems(values) -> list[str]:
    if isinstance(values, str):
        values = values.splitlines()
    items = [" ".join(str(value).replace("\x00", "").split()) for value in values or []]
    items = [item for item in items if item]
    errors = []
    if len(items) > MAX_SUB_PROBLEMS:
        errors.append(_("At most %(count)d sub-problems.") % {"count": MAX_SUB_PROBLEMS})
    for number, item in enumerate(items, start=1):
        if len(item) > SUB_PROBLEM_MAX_LENGTH:
            errors.append(
                _("Sub-problem %(row)d: keep it within %(limit)d characters.")
                % {"row": number, "limit": SUB_PROBLEM_MAX_LENGTH}
            )
    if errors:
        raise ValidationError({"sub_problems": errors})
    return items


@transaction.atomic
def analysis_save(
    *,
    actor: Actor,
    analysis: DemandAnalysis,
    problem_statement: str = "",
    sub_problems: Sequence[str] | str = (),
    trl_wanted: int | None = None,
    contract_type: str = "",
    indicators: Iterable[dict[str, Any]] = (),
    routes: Iterable[dict[str, Any]] = (),
) -> DemandAnalysis:
    """The analyst saves the analysis as a draft (everything it holds is replaced). Every field
    is checked before anything is written, and all field errors are raised together."""
    analysis = DemandAnalysis.objects.select_for_update(of=("self",)).get(pk=analysis.pk)
    if not analysis_can_write(actor=actor, analysis=analysis):
        if analysis.is_writable or not (
            analysis.analyst_id in actor.organization_ids
            or actor.can_review_region(analysis.region_id)
        ):
            raise PermissionDenied(_("You cannot write this analysis."))
        raise ValidationError(
            {
                "status": _("The analysis is “%(status)s”: it can no longer be changed.")
                % {"status": analysis.get_status_display()}
            }
        )
    errors = {}
    values = {}
    for name, check in (
        (
            "problem_statement",
            lambda: _clean_text(problem_statement, "problem_statement", limit=TEXT_MAX_LENGTH),
        ),
        ("sub_problems", lambda: _clean_sub_problems(sub_problems)),
        (
            "indicators",
            lambda: _clean_rows(
                indicators,
                Indicator,
                ("name", "target", "unit", "test_method"),
                MAX_INDICATORS,
                "indicators",
            ),
        ),
        (
            "routes",
            lambda: _clean_rows(
                routes, SolutionRoute, ("route", "rationale"), MAX_ROUTES, "routes"
            ),
        ),
    ):
        try:
            values[name] = check()
        except ValidationError as error:
            errors.update(error.message_dict)
    if trl_wanted in ("", None):
        trl_wanted = None
    elif str(trl_wanted) not in {str(value) for value in Maturity.values}:
        errors["trl_wanted"] = [_("Choose a TRL from 1 to 9.")]
    else:
        trl_wanted = int(trl_wanted)
    contract_type = contract_type or ""
    if contract_type and contract_type not in ContractType.values:
        errors["contract_type"] = [_("Choose a contract type from the list.")]
    if errors:
        raise ValidationError(errors)
    analysis.problem_statement = values["problem_statement"]
    analysis.sub_problems = values["sub_problems"]
    analysis.trl_wanted = trl_wanted
    analysis.contract_type = contract_type
    if analysis.status == AnalysisStatus.REQUESTED:
        analysis.status = AnalysisStatus.DRAFT
    if analysis.analyst_id is None and analysis.source == AnalysisSource.CAST_STAFF:
        # The office whose staff took the request up writes it.
        office = _staff_office(actor, analysis.region)
        analysis.analyst = office
    analysis.save()
    analysis.indicators.all().delete()
    analysis.routes.all().delete()
    for row in values["indicators"]:
        row.analysis = analysis
    for row in values["routes"]:
        row.analysis = analysis
    Indicator.objects.bulk_create(values["indicators"])
    SolutionRoute.objects.bulk_create(values["routes"])
    return analysis


@transaction.atomic
def analysis_submit(*, actor: Actor, analysis: DemandAnalysis) -> DemandAnalysis:
    """The analyst hands the analysis to the need's owner: it needs a problem statement and at
    least one target indicator."""
    analysis = (
        DemandAnalysis.objects.select_for_update(of=("self",))
        .select_related("need__organization", "order", "analyst", "region")
        .get(pk=analysis.pk)
    )
    if not analysis_can_write(actor=actor, analysis=analysis):
        if analysis.is_writable:
            raise PermissionDenied(_("You cannot submit this analysis."))
        raise ValidationError(
            {
                "status": _("The analysis is “%(status)s”: it can no longer be submitted.")
                % {"status": analysis.get_status_display()}
            }
        )
    errors = {}
    if not analysis.problem_statement.strip():
        errors["problem_statement"] = _("Write the problem statement before submitting.")
    if not analysis.indicators.exists():
        errors["indicators"] = _("Give at least one target indicator before submitting.")
    if errors:
        raise ValidationError(errors)
    if analysis.analyst_id is None and analysis.source == AnalysisSource.CAST_STAFF:
        analysis.analyst = _staff_office(actor, analysis.region)
    analysis.status = AnalysisStatus.SUBMITTED
    analysis.submitted_at = timezone.now()
    analysis.save()
    need = analysis.need
    outcome_record(
        name=OutcomeEvent.Name.DEMAND_ANALYSIS_SUBMITTED,
        subject_type="demand_analysis",
        subject_id=analysis.pk,
        actor=actor.user,
        organization=analysis.analyst,
        counterpart=need.organization,
        region_id=analysis.region_id,
        field_id=need.field_id,
        data={
            "need": need.pk,
            "source": analysis.source,
            "order": analysis.order_id,
            "indicators": analysis.indicators.count(),
        },
    )
    _tell_owner(
        analysis,
        title=lambda: (
            _("A demand analysis of your need is ready: %(title)s") % {"title": need.title}
        ),
        body=lambda: _("Read it beside your need and choose the parts to copy into it."),
        action="submitted",
    )
    return analysis


# --- the owner's decision ------------------------------------------------------------------


def _numbered(items: Iterable[str]) -> str:
    return "\n".join(f"{number}. {item}" for number, item in enumerate(items, start=1))


def _append(text: str, block: str) -> str:
    text = (text or "").rstrip()
    return f"{text}\n\n{block}" if text else block


def analysis_changes(
    *, analysis: DemandAnalysis, parts: Iterable[str]
) -> tuple[dict[str, str], list[str] | None]:
    """(the need's new text fields, its new cooperation-mode codes or None) for the parts
    chosen, built on the need as its owner last wrote it (its pending revision, if any)."""
    parts = set(parts)
    current, modes, _societies = listing_pending_revision(analysis.need)
    data = {}
    if AnalysisPart.PROBLEM_STATEMENT in parts or AnalysisPart.SUB_PROBLEMS in parts:
        problem = current.problem
        if AnalysisPart.PROBLEM_STATEMENT in parts:
            problem = analysis.problem_statement
        if AnalysisPart.SUB_PROBLEMS in parts:
            heading = _("Sub-problems:")
            problem = _append(problem, heading + "\n" + _numbered(analysis.sub_problems))
        data["problem"] = problem
    if AnalysisPart.INDICATORS in parts or AnalysisPart.TRL_WANTED in parts:
        indicators = current.target_indicators
        if AnalysisPart.INDICATORS in parts:
            indicators = "\n".join(row.as_line() for row in analysis.indicators.all())
        if AnalysisPart.TRL_WANTED in parts:
            indicators = _append(
                indicators,
                _("TRL wanted: %(trl)s") % {"trl": Maturity(analysis.trl_wanted).label},
            )
        data["target_indicators"] = indicators
    if AnalysisPart.ROUTES in parts:
        lines = [
            f"{row.route} — {row.rationale}" if row.rationale else row.route
            for row in analysis.routes.all()
        ]
        data["background"] = _append(
            current.background,
            _("Solution routes suggested by the demand analysis:") + "\n" + _numbered(lines),
        )
    codes = None
    if AnalysisPart.CONTRACT_TYPE in parts:
        codes = sorted({mode.code for mode in modes} | {MODE_FOR_CONTRACT[analysis.contract_type]})
    return data, codes


def _check_parts(analysis: DemandAnalysis, parts: set[str]) -> None:
    errors = []
    if not parts:
        errors.append(_("Choose at least one part to copy into the need, or decline."))
    unknown = parts - set(AnalysisPart.values)
    if unknown:
        errors.append(_("Unknown part: %(parts)s.") % {"parts": ", ".join(sorted(unknown))})
    empty = {
        AnalysisPart.PROBLEM_STATEMENT: not analysis.problem_statement,
        AnalysisPart.SUB_PROBLEMS: not analysis.sub_problems,
        AnalysisPart.INDICATORS: not analysis.indicators.exists(),
        AnalysisPart.TRL_WANTED: analysis.trl_wanted is None,
        AnalysisPart.CONTRACT_TYPE: not analysis.contract_type,
        AnalysisPart.ROUTES: not analysis.routes.exists(),
    }
    for part in sorted(parts & set(AnalysisPart.values)):
        if empty[part]:
            errors.append(
                _("The analysis has nothing to copy for “%(part)s”.")
                % {"part": AnalysisPart(part).label}
            )
    if errors:
        raise ValidationError({"parts": errors})


@transaction.atomic
def analysis_accept(
    *, actor: Actor, analysis: DemandAnalysis, parts: Iterable[str]
) -> DemandAnalysis:
    """The owner copies the chosen parts into the need (listing_update: a published need's
    changes await the CAST staff's review, then it is matched again). Returns the analysis;
    `analysis.need_pending_review` says whether the changes await review."""
    analysis = (
        DemandAnalysis.objects.select_for_update(of=("self",))
        .select_related("need__organization", "analyst", "region", "order")
        .get(pk=analysis.pk)
    )
    _check_owner_decides(actor, analysis)
    parts = {str(part) for part in parts}
    _check_parts(analysis, parts)
    need = analysis.need
    data, codes = analysis_changes(analysis=analysis, parts=parts)
    modes = None if codes is None else list(CooperationMode.objects.filter(code__in=codes))
    try:
        need = listing_update(listing=need, actor=actor, data=data, cooperation_modes=modes)
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError(
            {
                "parts": [
                    _("The need's %(field)s: %(message)s")
                    % {"field": Need._meta.get_field(name).verbose_name, "message": message}
                    if name in {f.name for f in Need._meta.get_fields()}
                    else message
                    for name, messages in error.message_dict.items()
                    for message in messages
                ]
            }
        ) from error
    pending = need.status == ListingStatus.PUBLISHED and bool(need.pending_status)
    analysis.status = AnalysisStatus.ACCEPTED
    analysis.accepted_parts = [part for part in AnalysisPart.values if part in parts]
    analysis.decided_by = actor.user if actor.is_authenticated else None
    analysis.decided_at = timezone.now()
    analysis.save()
    analysis.need_pending_review = pending
    outcome_record(
        name=OutcomeEvent.Name.DEMAND_ANALYSIS_ACCEPTED,
        subject_type="demand_analysis",
        subject_id=analysis.pk,
        actor=actor.user,
        organization=need.organization,
        counterpart=analysis.analyst,
        region_id=analysis.region_id,
        field_id=need.field_id,
        data={
            "need": need.pk,
            "source": analysis.source,
            "order": analysis.order_id,
            "parts": analysis.accepted_parts,
            "pending_review": pending,
        },
    )
    _tell_analyst(
        analysis,
        title=lambda: _("Your demand analysis was accepted: %(title)s") % {"title": need.title},
        body=lambda: (
            _("Parts copied into the need: %(parts)s")
            % {
                "parts": "; ".join(
                    str(AnalysisPart(part).label) for part in analysis.accepted_parts
                )
            }
        ),
        action="accepted",
    )
    return analysis


@transaction.atomic
def analysis_decline(*, actor: Actor, analysis: DemandAnalysis, note: str = "") -> DemandAnalysis:
    """The owner declines the analysis: the need stays as it is."""
    analysis = (
        DemandAnalysis.objects.select_for_update(of=("self",))
        .select_related("need__organization", "analyst", "region")
        .get(pk=analysis.pk)
    )
    _check_owner_decides(actor, analysis)
    analysis.decline_note = _clean_text(note, "note", limit=NOTE_MAX_LENGTH)
    analysis.status = AnalysisStatus.DECLINED
    analysis.decided_by = actor.user if actor.is_authenticated else None
    analysis.decided_at = timezone.now()
    analysis.save()
    _tell_analyst(
        analysis,
        title=lambda: (
            _("Your demand analysis was declined: %(title)s") % {"title": analysis.need.title}
        ),
        body=analysis.decline_note,
        action="declined",
    )
    return analysis


def _check_owner_decides(actor: Actor, analysis: DemandAnalysis) -> None:
    if not analysis_is_owner(actor=actor, analysis=analysis):
        raise PermissionDenied(_("Only the need's owner decides on its analysis."))
    if not analysis_can_decide(actor=actor, analysis=analysis):
        raise ValidationError(
            {
                "status": _("The analysis is “%(status)s”: there is nothing to decide.")
                % {"status": analysis.get_status_display()}
                if analysis.status != AnalysisStatus.SUBMITTED
                else _("This need is closed.")
            }
        )
