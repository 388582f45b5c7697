"""Writes after a deal closes: the parties' feedback, the case drafted from a completed deal with
its consents and review, and the follow-up surveys at 90 and 365 days.

Facts go to the outcome log in the change's transaction (deal.feedback, case.published,
case.unpublished, survey.answered); people hear of them through the notification centre (and
by e-mail, through the outbox), written in that transaction too.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import (
    COMMENT_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    Case,
    CaseConsent,
    CaseHistory,
    Feedback,
    FeedbackItem,
    SuccessFactor,
    Survey,
    amount_band_for,
)
from cases.permissions import (
    case_can_review,
    case_consenting_organization_id,
    case_party_organization_id,
    feedback_can_answer,
    survey_can_answer,
)
from deals.models import Contract, Deal, DealHistory, Stage
from notifications.models import Notification
from notifications.services import Words
from organizations.models import Organization
from organizations.selectors import Actor
from organizations.services import notify_organization
from outcomes.models import OutcomeEvent
from outcomes.reasons import RefusalReason
from outcomes.services import outcome_record
from repositories.models import ListingKind

CLOSED_OUTCOMES = (Stage.COMPLETED, Stage.LOST, Stage.TERMINATED)
# Days after completion at which each follow-up survey is due; a survey is sent until the next
# one is due (a deal completed 400 days ago gets the one-year survey, not both).
SURVEY_DUE_DAYS = {Survey.Kind.DAYS_90: 90, Survey.Kind.DAYS_365: 365}
ALIAS_MAX_LENGTH = 64


def _tell(*, organization_ids, title: Words, body: Words = "", url: str = "") -> None:
    for organization in Organization.objects.filter(pk__in=organization_ids):
        notify_organization(
            organization=organization,
            topic=Notification.Topic.DEAL,
            title=title,
            body=body,
            url=url,
        )


def _limit(errors: dict, name: str, value: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        errors[name] = _("Keep it within %(limit)d characters.") % {"limit": limit}
    return value


# --- feedback --------------------------------------------------------------------------------


def feedback_request(*, deal: Deal) -> list[Feedback]:
    """Ask each party for its feedback on the deal that just closed, once per party: a second
    call (a repeated event) finds the rows and tells nobody again. Runs in the close's
    transaction."""
    asked = []
    for organization_id in deal.party_ids:
        feedback, created = Feedback.objects.get_or_create(
            deal=deal, organization_id=organization_id, defaults={"outcome": deal.stage}
        )
        if not created:
            continue
        asked.append(feedback)
        _tell(
            organization_ids=[organization_id],
            title=lambda: (
                _("How did “%(title)s” go? Tell us in two minutes") % {"title": deal.title}
            ),
            body=lambda: _(
                "Your feedback (how it went and why) helps the platform and the CAST office "
                "bring better matches."
            ),
            url=feedback.get_absolute_url(),
        )
    return asked


def _clean_codes(errors: dict, name: str, values, allowed) -> list[str]:
    values = list(dict.fromkeys(values or []))
    if any(value not in allowed for value in values):
        errors[name] = _("Choose from the list.")
    return values


@transaction.atomic
def feedback_submit(
    *,
    actor: Actor,
    feedback: Feedback,
    rating: int | None,
    reasons=(),
    success_factors=(),
    success_note: str = "",
    comment: str = "",
    consent_to_publish: bool = False,
) -> Feedback:
    """A party answers its feedback form, once. For a completed deal its success factors (and
    words) go into the case while it is a draft; an administrator who agrees to publish gives
    the party's consent to the case as it stands."""
    feedback = Feedback.objects.select_for_update().select_related("deal").get(pk=feedback.pk)
    if not feedback_can_answer(actor=actor, feedback=feedback):
        raise PermissionDenied(_("Only the party's members answer its feedback."))
    if feedback.is_answered:
        raise ValidationError(_("Your organization has already given its feedback."))
    completed = feedback.outcome == Stage.COMPLETED
    errors: dict = {}
    if rating is None or not (1 <= int(rating) <= 5):
        errors["rating"] = _("Rate how it went from 1 to 5.")
    reasons = _clean_codes(errors, "reasons", reasons, RefusalReason.values)
    if not completed and not reasons and "reasons" not in errors:
        errors["reasons"] = _("Choose at least one reason why the deal did not go ahead.")
    factors = (
        _clean_codes(errors, "success_factors", success_factors, SuccessFactor.values)
        if completed
        else []
    )
    success_note = _limit(errors, "success_note", success_note if completed else "", 2000)
    comment = _limit(errors, "comment", comment, COMMENT_MAX_LENGTH)
    if errors:
        raise ValidationError(errors)
    deal = feedback.deal
    feedback.rating = int(rating)
    feedback.success_note = success_note
    feedback.comment = comment
    feedback.consent_to_publish = bool(consent_to_publish) and completed
    feedback.answered_at = timezone.now()
    feedback.answered_by = actor.user
    feedback.save()
    FeedbackItem.objects.bulk_create(
        [FeedbackItem(feedback=feedback, kind=Feedback.Kind.REASON, code=c) for c in reasons]
        + [FeedbackItem(feedback=feedback, kind=Feedback.Kind.SUCCESS, code=c) for c in factors]
    )
    outcome_record(
        name=OutcomeEvent.Name.DEAL_FEEDBACK,
        subject_type="deal",
        subject_id=deal.pk,
        actor=actor.user,
        organization=Organization(pk=feedback.organization_id),
        counterpart=Organization(pk=deal.other_party_id(feedback.organization_id)),
        region_id=deal.region_id,
        field_id=deal.field_id,
        data={
            "need": deal.need_id,
            "deal": deal.pk,
            "feedback": feedback.pk,
            "outcome": feedback.outcome,
            "rating": feedback.rating,
            "reasons": reasons,
            "success_factors": factors,
        },
    )
    if completed:
        case = Case.objects.select_for_update().filter(deal=deal).first()
        if case is not None and case.is_editable and (factors or success_note):
            case.success_factors = list(dict.fromkeys([*case.success_factors, *factors]))
            if success_note:
                case.what_made_it_work = "\n".join(
                    part for part in (case.what_made_it_work, success_note) if part
                )[:TEXT_MAX_LENGTH]
            case.save(update_fields=["success_factors", "what_made_it_work", "updated_at"])
        if (
            case is not None
            and feedback.consent_to_publish
            and case_consenting_organization_id(actor=actor, case=case) == feedback.organization_id
            and case.is_editable
            and not CaseConsent.objects.filter(
                case=case, organization_id=feedback.organization_id
            ).exists()
        ):
            case_consent_give(actor=actor, case=case)
    return feedback


# --- drafting a case -------------------------------------------------------------------------


def _days_between(start, end) -> int | None:
    if start is None or end is None or end < start:
        return None
    return (end - start).days


def _stage_times(deal: Deal) -> dict:
    """When the deal was signed, its registration entered and it completed: the first history
    row of each."""
    times = {"signed": None, "registered": None, "completed": None}
    for action, to_stage, created_at in DealHistory.objects.filter(deal=deal).values_list(
        "action", "to_stage", "created_at"
    ):
        if to_stage == Stage.SIGNED and action == "sign" and times["signed"] is None:
            times["signed"] = created_at
        if action == "register" and times["registered"] is None:
            times["registered"] = created_at
        if to_stage == Stage.COMPLETED and action == "complete" and times["completed"] is None:
            times["completed"] = created_at
    return times


def _summary_of(listing) -> str:
    if listing is None:
        return ""
    return (getattr(listing, "summary", "") or getattr(listing, "description", "") or "").strip()


def _texts(deal: Deal) -> tuple[str, str]:
    """The need and the solution, from the listings the deal is about."""
    need = deal.need
    listing = deal.listing
    supply = None
    if listing is not None and listing.kind != ListingKind.NEED:
        supply = listing
    elif deal.match_id is not None:
        supply = deal.match.supply
    need_text = _summary_of(need) or (
        _summary_of(listing) if listing is not None and listing.kind == ListingKind.NEED else ""
    )
    supply_text = _summary_of(supply)
    if supply is not None and getattr(supply, "title", ""):
        supply_text = f"{supply.title}\n{supply_text}".strip()
    return (
        (need_text or deal.title)[:TEXT_MAX_LENGTH],
        (supply_text or deal.title)[:TEXT_MAX_LENGTH],
    )


def case_draft(*, deal: Deal) -> Case:
    """Draft the case of a completed deal from its listings, contract and history (once: a
    second call returns the first draft). The amount is kept only as its band."""
    existing = Case.objects.filter(deal=deal).first()
    if existing is not None:
        return existing
    contract = Contract.objects.filter(deal=deal).first()
    times = _stage_times(deal)
    completed_at = times["completed"] or (
        deal.stage_changed_at if deal.stage == Stage.COMPLETED else None
    )
    need_text, solution_text = _texts(deal)
    field_id = deal.field_id or (deal.need.field_id if deal.need is not None else None)
    case = Case.objects.create(
        deal=deal,
        title=deal.title[:200],
        need_summary=need_text,
        solution_summary=solution_text,
        demand_party_id=deal.demand_party_id,
        supply_party_id=deal.supply_party_id,
        field_id=field_id,
        region_id=deal.region_id,
        contract_type=contract.contract_type if contract is not None else "",
        amount_band=amount_band_for(contract.technical_amount) if contract is not None else "",
        days_to_sign=_days_between(deal.opened_at, times["signed"]),
        days_to_register=_days_between(times["signed"], times["registered"]),
        days_to_complete=_days_between(times["signed"], completed_at),
        days_total=_days_between(deal.opened_at, completed_at),
    )
    CaseHistory.objects.create(case=case, action=CaseHistory.Action.DRAFTED)
    _tell(
        organization_ids=deal.party_ids,
        title=lambda: _("A case is drafted from “%(title)s”") % {"title": deal.title},
        body=lambda: _(
            "Check it, choose whether your organization is named, and agree to publish it in "
            "the case bank: it is published only with both sides' consent and the CAST "
            "office's review."
        ),
        url=case.get_absolute_url(),
    )
    return case


# --- editing, consent and review -------------------------------------------------------------


def _lock(case: Case) -> Case:
    return (
        Case.objects.select_for_update()
        .select_related("demand_party", "supply_party", "region")
        .get(pk=case.pk)
    )


def _history(case: Case, action: str, actor: Actor | None, organization_id=None, note=""):
    CaseHistory.objects.create(
        case=case,
        action=action,
        user=actor.user if actor is not None and actor.is_authenticated else None,
        organization_id=organization_id,
        note=note,
    )


CASE_TEXT_FIELDS = ("title", "need_summary", "solution_summary", "what_made_it_work")


@transaction.atomic
def case_update(*, actor: Actor, case: Case, **values) -> Case:
    """A party edits the draft: the texts, what made it work, and how its own side is shown.
    A change withdraws the consents given so far: each side agrees to what is published."""
    case = _lock(case)
    own = case_party_organization_id(actor=actor, case=case)
    if own is None or not actor.is_person:
        raise PermissionDenied(_("Only the two parties edit the case."))
    if not case.is_editable:
        raise ValidationError(
            {"title": _("The case can be edited while it is a draft or returned for changes.")}
        )
    errors: dict = {}
    changed = []
    limits = {"title": 200, "need_summary": TEXT_MAX_LENGTH, "solution_summary": TEXT_MAX_LENGTH}
    for name in CASE_TEXT_FIELDS:
        if name not in values:
            continue
        value = _limit(errors, name, values[name], limits.get(name, TEXT_MAX_LENGTH))
        if name != "what_made_it_work" and not value:
            errors[name] = _("This cannot be empty.")
        if name == "title":
            value = " ".join(value.split())
        if value != getattr(case, name):
            setattr(case, name, value)
            changed.append(name)
    if "success_factors" in values:
        factors = _clean_codes(
            errors, "success_factors", values["success_factors"], SuccessFactor.values
        )
        if factors != case.success_factors:
            case.success_factors = factors
            changed.append("success_factors")
    side = case.side_of(own)
    if "anonymous" in values:
        anonymous = bool(values["anonymous"])
        if anonymous != getattr(case, f"{side}_anonymous"):
            setattr(case, f"{side}_anonymous", anonymous)
            changed.append(f"{side}_anonymous")
    if "alias" in values:
        alias = " ".join(_limit(errors, "alias", values["alias"], ALIAS_MAX_LENGTH).split())
        if alias != getattr(case, f"{side}_alias"):
            setattr(case, f"{side}_alias", alias)
            changed.append(f"{side}_alias")
    if errors:
        raise ValidationError(errors)
    if not changed:
        return case
    case.save(update_fields=[*changed, "updated_at"])
    withdrawn = CaseConsent.objects.filter(case=case).delete()[0]
    _history(
        case,
        CaseHistory.Action.EDITED,
        actor,
        own,
        note=_("consents withdrawn by the change") if withdrawn else "",
    )
    return case


def _staff_offices(case: Case) -> list[int]:
    """The CAST offices whose staff review the case: the region's and its province's."""
    region_ids = [case.region_id] + ([case.region.parent_id] if case.region.parent_id else [])
    return list(
        Organization.objects.filter(
            kind=Organization.Kind.CAST_OFFICE,
            status=Organization.Status.VERIFIED,
            region_id__in=region_ids,
        ).values_list("pk", flat=True)
    )


@transaction.atomic
def case_consent_give(*, actor: Actor, case: Case) -> Case:
    """A party's administrator agrees to publish the case as it stands; with both sides'
    consent it goes to the CAST staff of the deal's region."""
    case = _lock(case)
    own = case_consenting_organization_id(actor=actor, case=case)
    if own is None:
        raise PermissionDenied(_("Only an administrator of either party agrees to publish."))
    if not case.is_editable:
        raise ValidationError(_("Your side's consent is already recorded."))
    _created = CaseConsent.objects.get_or_create(
        case=case, organization_id=own, defaults={"user": actor.user}
    )[1]
    if not _created:
        raise ValidationError(_("Your side's consent is already recorded."))
    _history(case, CaseHistory.Action.CONSENTED, actor, own)
    consented = set(CaseConsent.objects.filter(case=case).values_list("organization_id", flat=True))
    if set(case.party_ids) <= consented:
        case.status = Case.Status.SUBMITTED
        case.save(update_fields=["status", "updated_at"])
        _history(case, CaseHistory.Action.SUBMITTED, None)
        _tell(
            organization_ids=_staff_offices(case),
            title=lambda: _("A case awaits your review: %(title)s") % {"title": case.title},
            url=case.get_absolute_url(),
        )
    else:
        _tell(
            organization_ids=[case.other_party_id(own)],
            title=lambda: (
                _("The other side agreed to publish the case “%(title)s”; yours is awaited")
                % {"title": case.title}
            ),
            url=case.get_absolute_url(),
        )
    return case


def _unpublish(case: Case, actor: Actor | None, organization_id: int | None) -> None:
    case.status = Case.Status.DRAFT
    case.published_at = None
    case.save(update_fields=["status", "published_at", "updated_at"])
    _history(case, CaseHistory.Action.UNPUBLISHED, actor, organization_id)
    outcome_record(
        name=OutcomeEvent.Name.CASE_UNPUBLISHED,
        subject_type="case",
        subject_id=case.pk,
        actor=actor.user if actor is not None else None,
        organization=Organization(pk=organization_id) if organization_id else None,
        region_id=case.region_id,
        field_id=case.field_id,
        data={"need": case.deal.need_id, "deal": case.deal_id},
    )


@transaction.atomic
def case_consent_withdraw(*, actor: Actor, case: Case) -> Case:
    """A party's administrator withdraws its consent: a case in review goes back to draft, a
    published one leaves the case bank at once."""
    case = _lock(case)
    own = case_consenting_organization_id(actor=actor, case=case)
    if own is None:
        raise PermissionDenied(_("Only an administrator of either party agrees to publish."))
    if not CaseConsent.objects.filter(case=case, organization_id=own).delete()[0]:
        raise ValidationError(_("Your side has not agreed to publish this case."))
    _history(case, CaseHistory.Action.WITHDRAWN, actor, own)
    if case.status == Case.Status.PUBLISHED:
        _unpublish(case, actor, own)
    elif case.status == Case.Status.SUBMITTED:
        case.status = Case.Status.DRAFT
        case.save(update_fields=["status", "updated_at"])
    _tell(
        organization_ids=[case.other_party_id(own)],
        title=lambda: (
            _("The other side withdrew its consent to publish the case “%(title)s”")
            % {"title": case.title}
        ),
        url=case.get_absolute_url(),
    )
    return case


@transaction.atomic
def case_review(*, actor: Actor, case: Case, approve: bool, note: str = "") -> Case:
    """The CAST staff of the deal's region publish the case both parties agreed to, or send it
    back with a note (the consents are then given again to the changed case)."""
    case = _lock(case)
    if not case_can_review(actor=actor, case=case):
        raise PermissionDenied(_("Only the CAST staff of the deal's region review this case."))
    if case.status != Case.Status.SUBMITTED:
        raise ValidationError(_("This case is not awaiting review."))
    note = (note or "").strip()
    if len(note) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {"note": _("Keep the note within %(limit)d characters.") % {"limit": 1000}}
        )
    if not approve and not note:
        raise ValidationError({"note": _("Say what should change, so the parties can fix it.")})
    consented = set(CaseConsent.objects.filter(case=case).values_list("organization_id", flat=True))
    if approve and not set(case.party_ids) <= consented:
        raise ValidationError(_("Both parties must agree before the case is published."))
    now = timezone.now()
    case.review_note = note
    case.reviewed_by = actor.user
    case.reviewed_at = now
    if approve:
        case.status = Case.Status.PUBLISHED
        case.published_at = now
        _history(case, CaseHistory.Action.APPROVED, actor, note=note)
    else:
        case.status = Case.Status.RETURNED
        CaseConsent.objects.filter(case=case).delete()
        _history(case, CaseHistory.Action.RETURNED, actor, note=note)
    case.save()
    if approve:
        outcome_record(
            name=OutcomeEvent.Name.CASE_PUBLISHED,
            subject_type="case",
            subject_id=case.pk,
            actor=actor.user,
            organization=Organization(pk=case.demand_party_id),
            counterpart=Organization(pk=case.supply_party_id),
            region_id=case.region_id,
            field_id=case.field_id,
            data={"need": case.deal.need_id, "deal": case.deal_id, "band": case.amount_band},
        )
    _tell(
        organization_ids=case.party_ids,
        title=lambda: (
            (
                _("The case “%(title)s” is published in the case bank")
                if approve
                else _("The case “%(title)s” was returned for changes")
            )
            % {"title": case.title}
        ),
        body=note,
        url=case.get_absolute_url(),
    )
    return case


# --- surveys ---------------------------------------------------------------------------------


def _due_deals(kind: str, now):
    days = SURVEY_DUE_DAYS[kind]
    deals = Deal.objects.filter(
        stage=Stage.COMPLETED, stage_changed_at__lte=now - timedelta(days=days)
    )
    later = [d for d in SURVEY_DUE_DAYS.values() if d > days]
    if later:
        deals = deals.filter(stage_changed_at__gt=now - timedelta(days=min(later)))

    def sent(party):
        return Exists(
            Survey.objects.filter(deal=OuterRef("pk"), organization=OuterRef(party), kind=kind)
        )

    return deals.exclude(sent("demand_party") & sent("supply_party")).order_by("pk")


def surveys_send_due(*, now=None) -> dict[str, int]:
    """Create the follow-up surveys that are due and tell each party. Safe to run twice (and
    at once): one survey per deal, party and kind, by a unique constraint."""
    now = now or timezone.now()
    created_count = 0
    for kind in SURVEY_DUE_DAYS:
        for deal in _due_deals(kind, now).iterator():
            for organization_id in deal.party_ids:
                with transaction.atomic():
                    survey, created = Survey.objects.get_or_create(
                        deal=deal, organization_id=organization_id, kind=kind
                    )
                    if not created:
                        continue
                    created_count += 1
                    _tell(
                        organization_ids=[organization_id],
                        title=lambda deal=deal, survey=survey: (
                            _("%(title)s: is the result still in use? (%(when)s)")
                            % {"title": deal.title, "when": survey.get_kind_display()}
                        ),
                        body=lambda: _(
                            "Three questions: is it in use, what it brought, a comment."
                        ),
                        url=survey.get_absolute_url(),
                    )
    return {"created": created_count}


@transaction.atomic
def survey_answer(
    *,
    actor: Actor,
    survey: Survey,
    in_use: str,
    benefits: str = "",
    output_value: Decimal | None = None,
    cost_saved: Decimal | None = None,
    comment: str = "",
) -> Survey:
    """A party answers its follow-up survey, once."""
    survey = Survey.objects.select_for_update().select_related("deal").get(pk=survey.pk)
    if not survey_can_answer(actor=actor, survey=survey):
        raise PermissionDenied(_("Only the party's members answer its survey."))
    if survey.is_answered:
        raise ValidationError(_("Your organization has already answered this survey."))
    errors: dict = {}
    if in_use not in Survey.InUse.values:
        errors["in_use"] = _("Say whether the result is still in use.")
    benefits = _limit(errors, "benefits", benefits, TEXT_MAX_LENGTH)
    comment = _limit(errors, "comment", comment, COMMENT_MAX_LENGTH)
    for name, value in (("output_value", output_value), ("cost_saved", cost_saved)):
        if value is not None and value < 0:
            errors[name] = _("Enter an amount of zero or more, in 10,000 yuan.")
    if errors:
        raise ValidationError(errors)
    deal = survey.deal
    survey.in_use = in_use
    survey.benefits = benefits
    survey.output_value = output_value
    survey.cost_saved = cost_saved
    survey.comment = comment
    survey.answered_at = timezone.now()
    survey.answered_by = actor.user
    survey.save()
    outcome_record(
        name=OutcomeEvent.Name.SURVEY_ANSWERED,
        subject_type="deal",
        subject_id=deal.pk,
        actor=actor.user,
        organization=Organization(pk=survey.organization_id),
        counterpart=Organization(pk=deal.other_party_id(survey.organization_id)),
        region_id=deal.region_id,
        field_id=deal.field_id,
        amount=output_value,
        data={
            "need": deal.need_id,
            "deal": deal.pk,
            "survey": survey.pk,
            "kind": survey.kind,
            "in_use": in_use,
            "output_value": str(output_value) if output_value is not None else None,
            "cost_saved": str(cost_saved) if cost_saved is not None else None,
        },
    )
    return survey
