"""Joining the platform (入驻), organization profiles, members, API tokens, verification."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.web import add_service_errors, error_text, redirect_next
from organizations import services
from organizations.forms import (
    OrganizationFilterForm,
    OrganizationForm,
    OrganizationReviewForm,
    TokenForm,
)
from organizations.models import ApiToken, Membership, Organization
from organizations.permissions import organization_can_administer
from organizations.selectors import (
    organization_can_review,
    organization_can_see_licence,
    organization_list_public,
    organization_reviewing_office,
)

LICENCE_CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}


def organization_list(request):
    form = OrganizationFilterForm(request.GET)
    organizations = organization_list_public(**form.selector_arguments())
    page = Paginator(organizations, 30).get_page(request.GET.get("page"))
    return render(request, "organizations/organization_list.html", {"page": page, "form": form})


@login_required
def organization_register(request):
    form = OrganizationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data, fields, business_licence = form.service_arguments()
        try:
            organization = services.organization_register(
                user=request.user, data=data, fields=fields, business_licence=business_licence
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Registered. %(reviewer)s will verify your organization.")
                % {
                    "reviewer": services.organization_reviewer_name(
                        office=organization_reviewing_office(organization=organization)
                    )
                },
            )
            return redirect("organizations:detail", pk=organization.pk)
    return render(request, "organizations/organization_form.html", {"form": form})


def _visible_organization(request, pk):
    organization = get_object_or_404(Organization.objects.select_related("region__parent"), pk=pk)
    actor = request.actor
    if not (
        organization.is_verified
        or organization.id in actor.organization_ids
        or actor.can_review_region(organization.region_id)
    ):
        raise Http404
    return organization


def organization_detail(request, pk):
    organization = _visible_organization(request, pk)
    actor = request.actor
    is_member = organization.id in actor.organization_ids
    is_admin = organization_can_administer(actor=actor, organization_id=organization.id)
    context = {
        "organization": organization,
        "is_member": is_member,
        "is_admin": is_admin,
        "can_review": (
            organization.status == Organization.Status.PENDING
            and organization_can_review(actor=actor, organization=organization)
        ),
        "review_form": OrganizationReviewForm(),
        "listings": organization.listings.live().select_related("field", "region")[:20],
        "can_see_licence": bool(organization.business_licence)
        and organization_can_see_licence(actor=actor, organization=organization),
    }
    if is_member and organization.status == Organization.Status.PENDING:
        context["reviewer_name"] = services.organization_reviewer_name(
            office=organization_reviewing_office(organization=organization)
        )
    if request.user.is_authenticated and not is_member:
        context["membership"] = Membership.objects.filter(
            user=request.user, organization=organization
        ).first()
    if is_admin:
        context["members"] = organization.memberships.select_related("user")
        context["tokens"] = organization.api_tokens.filter(revoked_at__isnull=True)
    return render(request, "organizations/organization_detail.html", context)


@login_required
def organization_edit(request, pk):
    organization = get_object_or_404(Organization, pk=pk)
    if not organization_can_administer(actor=request.actor, organization_id=organization.id):
        raise PermissionDenied
    form = OrganizationForm(request.POST or None, request.FILES or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        data, fields, business_licence = form.service_arguments()
        try:
            services.organization_update(
                organization=organization,
                actor=request.actor,
                data=data,
                fields=fields,
                business_licence=business_licence,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("organizations:detail", pk=organization.pk)
    return render(
        request,
        "organizations/organization_form.html",
        {"form": form, "organization": organization},
    )


@login_required
def organization_licence(request, pk):
    """The business licence, through this check only: it is never in a public folder."""
    organization = get_object_or_404(Organization, pk=pk)
    if not organization.business_licence or not organization_can_see_licence(
        actor=request.actor, organization=organization
    ):
        raise Http404
    extension = organization.business_licence.name.rsplit(".", 1)[-1]
    response = FileResponse(
        organization.business_licence.open("rb"),
        content_type=LICENCE_CONTENT_TYPES[extension],
        filename=f"{organization.name} {_('business licence')}.{extension}",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def organization_review(request, pk):
    organization = get_object_or_404(Organization, pk=pk)
    form = OrganizationReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
    else:
        try:
            services.organization_review(
                organization=organization,
                actor=request.actor,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("Decision recorded."))
    return redirect_next(request, "repositories:review_queue")


@login_required
@require_POST
def membership_request(request, pk):
    organization = get_object_or_404(Organization, pk=pk, status=Organization.Status.VERIFIED)
    try:
        services.membership_request(user=request.user, organization=organization)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Request sent to the organization's administrators."))
    return redirect("organizations:detail", pk=pk)


@login_required
@require_POST
def membership_decide(request, pk):
    membership = get_object_or_404(Membership.objects.select_related("organization"), pk=pk)
    actions = {
        "approve": lambda: services.membership_approve(membership=membership, actor=request.actor),
        "remove": lambda: services.membership_remove(membership=membership, actor=request.actor),
        "make_admin": lambda: services.membership_set_role(
            membership=membership, actor=request.actor, role=Membership.Role.ADMIN
        ),
        "make_member": lambda: services.membership_set_role(
            membership=membership, actor=request.actor, role=Membership.Role.MEMBER
        ),
    }
    action = actions.get(request.POST.get("action"))
    if action is None:
        messages.error(request, _("Choose what to do with this member."))
        return redirect("organizations:detail", pk=membership.organization_id)
    try:
        action()
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Members updated."))
    return redirect("organizations:detail", pk=membership.organization_id)


@login_required
def token_create(request, pk):
    organization = get_object_or_404(Organization, pk=pk)
    if not organization_can_administer(actor=request.actor, organization_id=organization.id):
        raise PermissionDenied
    form = TokenForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            token, key = services.api_token_create(
                organization=organization, actor=request.actor, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # The raw key is shown on this one response and never again.
            return render(
                request,
                "organizations/token_created.html",
                {"organization": organization, "token": token, "key": key},
            )
    return render(
        request, "organizations/token_form.html", {"organization": organization, "form": form}
    )


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk)
    try:
        services.api_token_revoke(token=token, actor=request.actor)
    except PermissionDenied as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Token revoked."))
    return redirect("organizations:detail", pk=token.organization_id)
