from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.web import add_service_errors, error_text, redirect_next
from matching import services
from matching.forms import (
    AutoApproveRuleForm,
    MatchAnswerForm,
    MatchBulkReviewForm,
    MatchReviewForm,
)
from matching.models import AutoApproveRule, Match
from matching.permissions import (
    match_can_answer,
    match_can_review,
    match_party_organization_id,
    match_region_can_review,
)
from matching.selectors import (
    explanation_names,
    match_get,
    match_list,
    match_review_queue,
    match_review_queue_needs,
    match_statistics,
    need_has_proposals,
)
from organizations.models import Organization
from repositories.models import ListingKind
from repositories.permissions import listing_is_own
from repositories.selectors import listing_get
from taxonomy.models import Region

# Needs per page of the review queue; each comes with all its proposals, so that one need's
# proposals can be reviewed together.
REVIEW_NEEDS_PER_PAGE = 10


def _subscription_query(listing):
    """A subscription to the supply that could answer the need, as a link's query string."""
    query = QueryDict(mutable=True)
    query["name"] = listing.title[:64]
    query.setlist("kinds", [ListingKind.ACHIEVEMENT, ListingKind.TALENT, ListingKind.PROJECT])
    if listing.field_id:
        query["fields"] = str(listing.field_id)
    return query.urlencode()


def listing_matches_context(*, actor, listing):
    """The matches shown on a listing's page, each with the other side and why. The owner
    sees the matches pushed to it; the region's CAST staff see the proposals too."""
    matches = list(
        match_list(actor=actor)
        .filter(Q(need=listing) | Q(supply_listing=listing))
        .order_by("-degree", "-score", "id")
    )
    for match in matches:
        match.counterpart = match.need if match.supply_listing_id == listing.pk else match.supply
    is_owner = listing_is_own(actor=actor, listing=listing)
    can_review = match_region_can_review(actor=actor, region_id=listing.region_id)
    matched = listing.indexed_at is not None
    return {
        # The matcher ran and found nothing worth a reviewer's time: the owner is told so and
        # offered the next steps instead of a weak list.
        "nothing_good": is_owner
        and listing.kind == ListingKind.NEED
        and listing.is_live
        and matched
        and not need_has_proposals(need=listing),
        "subscription_query": _subscription_query(listing) if is_owner else "",
        "matches": matches,
        "explanation_names": explanation_names() if matches else {},
        "show_matches": bool(matches) or is_owner or can_review,
        "matching_pending": (is_owner or can_review) and listing.is_live and not matched,
        "can_review_matches": can_review,
        "matches_await_review": is_owner and not can_review,
    }


def listing_matches(request, kind, pk):
    """The matches section of a listing's page alone (HTMX polls it while matching runs)."""
    listing = listing_get(actor=request.actor, kind=kind, pk=pk)
    context = {"listing": listing, **listing_matches_context(actor=request.actor, listing=listing)}
    return render(request, "matching/_listing_matches.html", context)


def _render_match(request, match, answer_form=None):
    actor = request.actor
    party = match_party_organization_id(actor=actor, match=match)
    if answer_form is None:
        own = next((a for a in match.answers.all() if a.organization_id == party), None)
        initial = (
            {"answer": own.answer, "reason": own.reason, "comment": own.comment} if own else None
        )
        answer_form = MatchAnswerForm(initial=initial)
    return render(
        request,
        "matching/match_detail.html",
        {
            "match": match,
            "can_review": match.status == Match.Status.PROPOSED
            and match_can_review(actor=actor, match=match),
            "can_answer": match_can_answer(actor=actor, match=match),
            "answer_form": answer_form,
            "answers": match.answers.select_related("organization"),
        },
    )


@login_required
def match_detail(request, pk):
    return _render_match(request, match_get(actor=request.actor, pk=pk))


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
        except PermissionDenied as error:
            messages.error(request, error_text(error))
            return redirect(match)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Thank you: your answer was sent to the other side."))
            return redirect(match)
    # Back as sent, never reset: a reset form sent again records another answer.
    return _render_match(request, match, answer_form=form)


def _office_regions(actor):
    offices = Organization.objects.filter(
        pk__in=actor.organization_ids, kind=Organization.Kind.CAST_OFFICE
    )
    return Region.objects.filter(pk__in=offices.values("region_id")).order_by("code")


def _render_review_queue(request, *, bulk_form=None, bulk_need_id=None, rule_form=None):
    """The queue: a page of needs, each with its proposals, and the regions' automatic
    approval. A form with errors comes back bound in its place: `bulk_form` in the card of
    need `bulk_need_id`, `rule_form` (prefixed with its region's code) in its region's."""
    actor = request.actor
    regions = list(_office_regions(actor))
    rules = {rule.region_id: rule for rule in AutoApproveRule.objects.filter(region__in=regions)}
    rule_forms = [
        (
            region,
            rule_form
            if rule_form is not None and rule_form.prefix == region.code
            else AutoApproveRuleForm.for_rule(rules.get(region.pk), prefix=region.code),
        )
        for region in regions
    ]
    needs = Paginator(match_review_queue_needs(actor=actor), REVIEW_NEEDS_PER_PAGE)
    page = needs.get_page(request.GET.get("page"))
    bulk_selected = []
    if bulk_form is not None:
        bulk_selected = [int(pk) for pk in bulk_form.data.getlist("matches") if pk.isdigit()]
    return render(
        request,
        "matching/review_queue.html",
        {
            "page": page,
            "awaiting_count": match_review_queue(actor=actor).count(),
            "explanation_names": explanation_names(),
            "bulk_form": bulk_form,
            "bulk_need_id": bulk_need_id,
            "bulk_selected": bulk_selected,
            "statistics": match_statistics(actor=actor),
            "rule_forms": rule_forms,
        },
    )


@login_required
def review_queue(request):
    """The queue. A POST reviews the chosen proposals of one need at once, or sets a region's
    automatic approval; posted here, a form with errors comes back on this very page."""
    if not request.actor.is_staff_reviewer:
        raise PermissionDenied
    if request.method == "POST":
        if "rule_region" in request.POST:
            return _auto_approve_rule(request)
        return _bulk_review(request)
    return _render_review_queue(request)


def _bulk_review(request):
    """One decision for the chosen proposals of one need, each reviewed as if alone."""
    actor = request.actor
    need_id = request.POST.get("need", "")
    pending = (
        match_review_queue(actor=actor).filter(need_id=int(need_id))
        if need_id.isdigit()
        else Match.objects.none()
    )
    if not pending.exists():
        messages.info(request, _("No proposal of this need awaits your review."))
        return redirect(request.get_full_path())
    form = MatchBulkReviewForm(request.POST, pending=pending)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            reviewed = services.match_review_bulk(
                matches=form.cleaned_data["matches"],
                actor=actor,
                approve=approve,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            count = len(reviewed)
            if approve:
                text = ngettext(
                    "%(count)d match approved and pushed to both sides.",
                    "%(count)d matches approved and pushed to both sides.",
                    count,
                )
            else:
                text = ngettext("%(count)d match rejected.", "%(count)d matches rejected.", count)
            messages.success(request, text % {"count": count})
            return redirect(request.get_full_path())
    return _render_review_queue(request, bulk_form=form, bulk_need_id=int(need_id))


def _auto_approve_rule(request):
    region = get_object_or_404(Region, code=request.POST["rule_region"])
    form = AutoApproveRuleForm(request.POST, prefix=region.code)
    if form.is_valid():
        try:
            services.auto_approve_rule_set(
                actor=request.actor,
                region=region,
                enabled=form.cleaned_data["enabled"],
                min_degree=form.cleaned_data["min_match"],
            )
        except PermissionDenied as error:
            messages.error(request, error_text(error))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
        if not form.errors:
            return redirect(request.get_full_path())
    return _render_review_queue(request, rule_form=form)
