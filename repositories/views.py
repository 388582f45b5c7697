"""Web pages of the four repositories: browse, read, publish, review, workspace."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.web import add_service_errors, error_text, redirect_next
from organizations.models import Organization
from organizations.selectors import membership_list_active, organization_list_for_review
from repositories import services
from repositories.completeness import completeness_evaluate, completeness_of_listing
from repositories.counts import COUNT_SECONDS, ListingPaginator, listings_generation
from repositories.filters import ListingBrowseFilterSet
from repositories.forms import AccessRequestForm, AttachmentForm, ReviewForm, listing_form_class
from repositories.models import (
    MODEL_BY_KIND,
    Attachment,
    DetailAccessRequest,
    ListingKind,
    ListingStatus,
    PendingStatus,
)
from repositories.permissions import (
    listing_can_edit,
    listing_can_follow_review,
    listing_can_manage,
    listing_can_review,
    listing_can_see_details,
    listing_is_own,
)
from repositories.selectors import (
    access_request_list_for_owner,
    listing_counts_live,
    listing_get,
    listing_list_for_review,
    listing_list_live,
    listing_list_mine,
)


def home(request):
    """The figures and the newest listings are the same for everyone: their HTML is kept in the
    cache under the listings' generation (repositories.counts), so the queries and callables
    below run only when a listing or organization changed or a minute passed."""
    latest = {
        kind: listing_list_live(kind=kind)[:4]
        for kind in (ListingKind.NEED, ListingKind.ACHIEVEMENT)
    }
    return render(
        request,
        "repositories/home.html",
        {
            "counts": listing_counts_live(),
            "organization_count": lambda: Organization.objects.filter(
                status=Organization.Status.VERIFIED
            ).count(),
            "latest_needs": latest[ListingKind.NEED],
            "latest_achievements": latest[ListingKind.ACHIEVEMENT],
            "can_publish": _can_publish(request),
            "listings_generation": listings_generation(),
            "cache_seconds": COUNT_SECONDS,
        },
    )


def listing_list(request, kind):
    filterset = ListingBrowseFilterSet(request.GET, queryset=listing_list_live(kind=kind))
    if filterset.errors:
        messages.warning(request, _("Some filters were not understood and were ignored."))
    listings = filterset.qs
    page = ListingPaginator(listings, 20).get_page(request.GET.get("page"))
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    return render(
        request,
        "repositories/listing_list.html",
        {
            "kind": kind,
            "kind_label": capfirst(MODEL_BY_KIND[kind]._meta.verbose_name_plural),
            "form": filterset.form,
            "page": page,
            "broadened": filterset.broadened,
            "query": filterset.form.cleaned_data.get("q", ""),
            "query_string": query_without_page.urlencode(),
            "can_publish": _can_publish(request),
            # The results' HTML is the same for everyone: kept in the cache until a listing
            # changes or a minute passes (repositories.counts).
            "listings_generation": listings_generation(),
            "cache_seconds": COUNT_SECONDS,
        },
    )


def listing_detail(request, kind, pk):
    actor = request.actor
    listing = listing_get(actor=actor, kind=kind, pk=pk)
    can_edit = listing_can_edit(actor=actor, listing=listing)
    can_see_details = listing_can_see_details(actor=actor, listing=listing)
    attachments = [a for a in listing.attachments.all() if can_see_details or not a.is_confidential]
    is_owner = listing_can_manage(actor=actor, listing=listing)
    context = {
        "listing": listing,
        "kind": kind,
        "can_edit": can_edit,
        "is_owner": is_owner,
        # Its technology manager: closing and deleting it stay with the owner's members.
        "by_mandate": is_owner and not listing_is_own(actor=actor, listing=listing),
        "can_review": listing_can_review(actor=actor, listing=listing),
        "can_see_details": can_see_details,
        "attachments": attachments,
        "review_form": ReviewForm(),
        "needs_reconfirmation": is_owner and services.listing_needs_reconfirmation(listing),
    }
    if listing_can_follow_review(actor=actor, listing=listing):
        context["revisions"] = listing.revisions.select_related("user")[:50]
        context["score"], context["hints"] = completeness_of_listing(listing)
        if listing.pending_status:
            context["pending_diff"] = services.listing_pending_diff(listing)
    if can_edit:
        context["attachment_form"] = AttachmentForm()
    requestable = Organization.objects.filter(
        id__in=actor.organization_ids, status=Organization.Status.VERIFIED
    ).exclude(id=listing.organization_id)
    if not can_see_details and listing.confidential_details and requestable:
        asked = DetailAccessRequest.objects.filter(
            listing=listing, organization__in=requestable
        ).first()
        context["access_request"] = asked
        if asked is None:
            context["access_form"] = AccessRequestForm(organizations=requestable)
    return render(request, "repositories/listing_detail.html", context)


def _my_organizations(request):
    return Organization.objects.filter(id__in=request.actor.organization_ids).select_related(
        "region"
    )


def _publishing_organizations(request):
    """The actor's organizations that publish listings: CAST offices review them instead."""
    return _my_organizations(request).exclude(kind=Organization.Kind.CAST_OFFICE)


def _can_publish(request):
    """Whether to offer "publish" buttons: to members of a publishing organization, and to
    people without one (the button takes them to registering it); not to CAST staff."""
    actor = request.actor
    if not actor.is_authenticated:
        return False
    return not actor.organization_ids or _publishing_organizations(request).exists()


@login_required
def listing_create(request, kind):
    organizations = _publishing_organizations(request)
    if not organizations:
        if request.actor.is_staff_reviewer:
            messages.info(
                request,
                _("CAST offices review listings rather than publish them: here is your queue."),
            )
            return redirect("repositories:review_queue")
        messages.info(request, _("Join or register an organization before publishing."))
        return redirect("organizations:register")
    form_class = listing_form_class(kind)
    form = form_class(request.POST or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        data, relations = form.service_arguments()
        try:
            listing = services.listing_create(
                kind=kind,
                actor=request.actor,
                organization=form.cleaned_data["organization"],
                data=data,
                **relations,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _after_save(request, listing)
    return _render_form(request, kind, form, listing=None)


@login_required
def listing_edit(request, kind, pk):
    listing = listing_get(actor=request.actor, kind=kind, pk=pk)
    if not listing_can_edit(actor=request.actor, listing=listing):
        raise PermissionDenied
    # The form edits a copy: of a published listing, its pending revision if it has one.
    revised, modes, societies = services.listing_pending_revision(listing)
    form_class = listing_form_class(kind)
    form = form_class(
        request.POST or None,
        instance=revised,
        initial={"cooperation_modes": modes, "societies": societies},
        # Its technology manager edits it too, in its owner's name.
        organizations=_my_organizations(request)
        | Organization.objects.filter(pk=listing.organization_id),
    )
    if request.method == "POST" and form.is_valid():
        data, relations = form.service_arguments()
        try:
            listing = services.listing_update(
                listing=listing, actor=request.actor, data=data, **relations
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _after_save(request, listing)
    return _render_form(request, kind, form, listing=listing)


def _after_save(request, listing):
    if listing.status == ListingStatus.PUBLISHED:
        if listing.pending_status == PendingStatus.SUBMITTED:
            messages.success(
                request,
                _(
                    "Changes submitted: the published version stays online until the local "
                    "CAST office approves them."
                ),
            )
        else:
            messages.info(request, _("Nothing to review: the published version is unchanged."))
    elif "submit" in request.POST and listing.status in (
        ListingStatus.DRAFT,
        ListingStatus.RETURNED,
    ):
        try:
            services.listing_submit(listing=listing, actor=request.actor)
        except ValidationError as error:
            messages.warning(request, error_text(error))
            messages.info(request, _("Saved as a draft."))
        else:
            messages.success(request, _("Submitted: the local CAST office will review it."))
    elif listing.status == ListingStatus.SUBMITTED:
        messages.success(request, _("Saved. It is in the review queue."))
    else:
        messages.success(request, _("Saved."))
    return redirect(listing)


def _render_form(request, kind, form, listing):
    if listing is not None and not form.is_bound:
        score, hints = completeness_of_listing(form.instance)
    else:
        score, hints = completeness_evaluate(kind=kind, data=_form_values(form))
    return render(
        request,
        "repositories/listing_form.html",
        {
            "form": form,
            "kind": kind,
            "kind_label": capfirst(MODEL_BY_KIND[kind]._meta.verbose_name),
            "listing": listing,
            "score": score,
            "hints": hints,
        },
    )


def _form_values(form):
    """The values typed so far, cleaned where they are valid, for the completeness hints."""
    if not form.is_bound:
        return {}
    form.is_valid()
    values = {name: form.data.get(name) for name in form.fields}
    values.update(getattr(form, "cleaned_data", {}))
    return values


def completeness_hints(request, kind):
    """HTMX: the score and hints for the form as typed so far."""
    form_class = listing_form_class(kind)
    form = form_class(request.POST, organizations=_my_organizations(request))
    score, hints = completeness_evaluate(kind=kind, data=_form_values(form))
    return render(request, "repositories/_completeness.html", {"score": score, "hints": hints})


def _listing_action(request, kind, pk, action, success_message):
    listing = listing_get(actor=request.actor, kind=kind, pk=pk)
    try:
        action(listing)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error) or _("You cannot do that."))
    else:
        messages.success(request, success_message)
    return listing


@login_required
@require_POST
def listing_submit(request, kind, pk):
    listing = _listing_action(
        request,
        kind,
        pk,
        lambda listing: services.listing_submit(listing=listing, actor=request.actor),
        _("Submitted: the local CAST office will review it."),
    )
    return redirect(listing)


@login_required
@require_POST
def listing_review(request, kind, pk):
    listing = listing_get(actor=request.actor, kind=kind, pk=pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or return."))
        return redirect(listing)
    approve = form.cleaned_data["decision"] == "approve"
    changes_only = listing.status == ListingStatus.PUBLISHED
    try:
        services.listing_review(
            listing=listing, actor=request.actor, approve=approve, note=form.cleaned_data["note"]
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
    else:
        if changes_only:
            done = _("The changes are published.") if approve else _("Changes returned.")
        else:
            done = _("Published.") if approve else _("Returned to the author.")
        messages.success(request, done)
    return redirect_next(request, listing)


@login_required
@require_POST
def listing_reconfirm(request, kind, pk):
    listing = _listing_action(
        request,
        kind,
        pk,
        lambda listing: services.listing_reconfirm(listing=listing, actor=request.actor),
        _("Re-confirmed: the listing stays published for another validity period."),
    )
    return redirect(listing)


@login_required
@require_POST
def listing_close(request, kind, pk):
    listing = _listing_action(
        request,
        kind,
        pk,
        lambda listing: services.listing_close(listing=listing, actor=request.actor),
        _("Closed."),
    )
    return redirect(listing)


@login_required
@require_POST
def listing_delete(request, kind, pk):
    listing = listing_get(actor=request.actor, kind=kind, pk=pk)
    try:
        services.listing_delete(listing=listing, actor=request.actor)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
        return redirect(listing)
    messages.success(request, _("Deleted."))
    return redirect("repositories:workspace")


@login_required
@require_POST
def attachment_upload(request, kind, pk):
    listing = listing_get(actor=request.actor, kind=kind, pk=pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        for field_errors in form.errors.values():
            messages.error(request, " ".join(field_errors))
        return redirect(listing)
    try:
        services.attachment_add(
            listing=listing,
            actor=request.actor,
            file=form.cleaned_data["file"],
            is_confidential=form.cleaned_data["is_confidential"],
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("File added."))
    return redirect(listing)


def _attachment_for(request, pk):
    attachment = get_object_or_404(Attachment.objects.select_related("listing"), pk=pk)
    listing = listing_get(
        actor=request.actor, kind=attachment.listing.kind, pk=attachment.listing_id
    )
    return attachment, listing


def attachment_download(request, pk):
    """Files go through this view, never a public folder, so confidential ones stay so."""
    attachment, listing = _attachment_for(request, pk)
    if attachment.is_confidential and not listing_can_see_details(
        actor=request.actor, listing=listing
    ):
        raise Http404
    return FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.filename
    )


@login_required
@require_POST
def attachment_delete(request, pk):
    attachment, listing = _attachment_for(request, pk)
    try:
        services.attachment_delete(attachment=attachment, actor=request.actor)
    except PermissionDenied as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("File removed."))
    return redirect(listing)


@login_required
@require_POST
def access_request(request, kind, pk):
    listing = listing_get(actor=request.actor, kind=kind, pk=pk)
    organizations = _my_organizations(request)
    form = AccessRequestForm(request.POST, organizations=organizations)
    if form.is_valid():
        try:
            services.access_request_create(
                listing=listing,
                actor=request.actor,
                organization=form.cleaned_data["organization"],
                message=form.cleaned_data["message"],
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("Request sent to the owner."))
    else:
        for field_errors in form.errors.values():
            messages.error(request, " ".join(field_errors))
    return redirect(listing)


@login_required
@require_POST
def access_request_decide(request, pk):
    access_request_ = get_object_or_404(
        DetailAccessRequest.objects.select_related("listing"), pk=pk
    )
    try:
        services.access_request_decide(
            access_request=access_request_,
            actor=request.actor,
            grant=request.POST.get("grant") == "1",
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("repositories:workspace")


@login_required
def workspace(request):
    actor = request.actor
    status = request.GET.get("status") or None
    if status not in ListingStatus.values:
        status = None
    context = {
        "listings": listing_list_mine(actor=actor, status=status)[:200],
        "status": status,
        "statuses": ListingStatus.choices,
        "access_requests": access_request_list_for_owner(actor=actor),
        "my_memberships": membership_list_active(user=request.user),
        "is_reviewer": actor.is_staff_reviewer,
        "can_publish": _can_publish(request),
    }
    if actor.is_staff_reviewer:
        context["review_count"] = listing_list_for_review(actor=actor).count()
        context["organization_review_count"] = organization_list_for_review(actor=actor).count()
    return render(request, "repositories/workspace.html", context)


@login_required
def review_queue(request):
    actor = request.actor
    if not actor.is_staff_reviewer:
        raise PermissionDenied
    return render(
        request,
        "repositories/review_queue.html",
        {
            "listings": listing_list_for_review(actor=actor),
            "organizations": organization_list_for_review(actor=actor),
            "review_form": ReviewForm(),
        },
    )
