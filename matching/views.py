from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.web import error_text, redirect_next
from matching import services
from matching.forms import AutoApproveRuleForm, MatchAnswerForm, MatchReviewForm
from matching.models import AutoApproveRule, Match
from matching.selectors import (
    match_get,
    match_list,
    match_party_organization_id,
    match_review_queue,
    match_statistics,
)
from organizations.models import Organization
from repositories.selectors import listing_get
from taxonomy.models import Region


def listing_matches_context(*, actor, listing):
    """The matches shown on a listing's page, each with the other side and why."""
    matches = list(
        match_list(actor=actor)
        .filter(Q(need=listing) | Q(supply_listing=listing))
        .order_by("-score", "id")
    )
    for match in matches:
        match.counterpart = match.need if match.supply_listing_id == listing.pk else match.supply
    can_see = listing.organization_id in actor.organization_ids or actor.can_review_region(
        listing.region_id
    )
    return {
        "matches": matches,
        "show_matches": bool(matches) or can_see,
        "matching_pending": can_see and listing.is_live and listing.indexed_at is None,
        "can_review_matches": actor.can_review_region(listing.region_id),
    }


def listing_matches(request, kind, pk):
    """The matches section of a listing's page alone (HTMX polls it while matching runs)."""
    listing = listing_get(actor=request.actor, kind=kind, pk=pk)
    context = {"listing": listing, **listing_matches_context(actor=request.actor, listing=listing)}
    return render(request, "matching/_listing_matches.html", context)


@login_required
def match_detail(request, pk):
    actor = request.actor
    match = match_get(actor=actor, pk=pk)
    party = match_party_organization_id(actor=actor, match=match)
    own_answer = next((a for a in match.answers.all() if a.organization_id == party), None)
    initial = (
        {"answer": own_answer.answer, "reason": own_answer.reason, "comment": own_answer.comment}
        if own_answer
        else None
    )
    return render(
        request,
        "matching/match_detail.html",
        {
            "match": match,
            "can_review": match.status == Match.Status.PROPOSED
            and actor.can_review_region(match.region_id),
            "can_answer": party is not None and match.status == Match.Status.APPROVED,
            "answer_form": MatchAnswerForm(initial=initial),
            "answers": match.answers.select_related("organization"),
        },
    )


@login_required
@require_POST
def match_review(request, pk):
    match = match_get(actor=request.actor, pk=pk)
    form = MatchReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return redirect_next(request, match)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.match_review(
            match=match, actor=request.actor, approve=approve, note=form.cleaned_data["note"]
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request, _("Approved and pushed to both sides.") if approve else _("Rejected.")
        )
    return redirect_next(request, match)


@login_required
@require_POST
def match_answer(request, pk):
    match = match_get(actor=request.actor, pk=pk)
    form = MatchAnswerForm(request.POST)
    if form.is_valid():
        try:
            services.match_answer(match=match, actor=request.actor, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("Thank you: your answer was sent to the other side."))
            return redirect(match)
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(match)


def _office_regions(actor):
    offices = Organization.objects.filter(
        pk__in=actor.organization_ids, kind=Organization.Kind.CAST_OFFICE
    )
    return Region.objects.filter(pk__in=offices.values("region_id")).order_by("code")


@login_required
def review_queue(request):
    actor = request.actor
    if not actor.is_staff_reviewer:
        raise PermissionDenied
    regions = list(_office_regions(actor))
    rules = {rule.region_id: rule for rule in AutoApproveRule.objects.filter(region__in=regions)}
    return render(
        request,
        "matching/review_queue.html",
        {
            "matches": match_review_queue(actor=actor)[:100],
            "statistics": match_statistics(actor=actor),
            "rule_forms": [
                (region, AutoApproveRuleForm(instance=rules.get(region.pk), prefix=region.code))
                for region in regions
            ],
        },
    )


@login_required
@require_POST
def auto_approve_rule(request, region_code):
    region = get_object_or_404(Region, code=region_code)
    form = AutoApproveRuleForm(request.POST, prefix=region.code)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("matching:review_queue")
    try:
        services.auto_approve_rule_set(actor=request.actor, region=region, **form.cleaned_data)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Saved."))
    return redirect("matching:review_queue")
