"""Pages of the technology managers (技术经理人): the public directory and profiles with their
record and standing, one's own profile and certificate, the CAST staff's verification queue,
and mandates — offered by an organization's administrator, accepted or declined by the manager,
narrowed, widened or ended — with the commissions due on the deals in their scope. Thin: the
services decide; their errors come back on the forms.

Whoever may not see a profile or a mandate gets 404 (manager_get_public, mandate_get), as if
it did not exist; a step one may not take on what one may see is a 403.
"""

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.uploads import upload_private_response
from core.web import add_service_errors, error_text
from deals.models import Deal
from managers import services
from managers.forms import (
    CertificateForm,
    DeclineForm,
    DirectoryForm,
    EndForm,
    MandateForm,
    MandateListingsForm,
    ProfileForm,
    ReviewForm,
    mandate_organizations,
)
from managers.models import ManagerProfile
from managers.permissions import (
    manager_can_review,
    mandate_can_end,
    mandate_can_offer,
)
from managers.selectors import (
    commission_list_for_mandate,
    manager_credit_compute,
    manager_get_public,
    manager_list_for_review,
    manager_list_public,
    manager_record,
    manager_records,
    manager_standings,
    mandate_get,
    mandate_list_visible,
)
from organizations.models import Mandate, Organization

PAGE_SIZE = 20
STATUS_BADGES = {
    Mandate.Status.OFFERED: "text-bg-info",
    Mandate.Status.ACTIVE: "text-bg-success",
    Mandate.Status.DECLINED: "text-bg-secondary",
    Mandate.Status.ENDED: "text-bg-dark",
}
CERTIFICATE_BADGES = {
    ManagerProfile.CertificateStatus.NONE: "text-bg-secondary",
    ManagerProfile.CertificateStatus.PENDING: "text-bg-warning",
    ManagerProfile.CertificateStatus.VERIFIED: "text-bg-success",
    ManagerProfile.CertificateStatus.REJECTED: "text-bg-danger",
}
ACTIONS = ("accept", "decline", "end", "listings")


def masked(number: str) -> str:
    """A certificate number as the public sees it: all but the last four characters hidden."""
    if not number:
        return ""
    return "•" * max(len(number) - 4, 4) + number[-4:]


def _own_profile(actor) -> ManagerProfile | None:
    return (
        ManagerProfile.objects.filter(user=actor.user).select_related("region").first()
        if actor.is_authenticated
        else None
    )


# --- the directory and the profiles ---------------------------------------------------------


def manager_list(request):
    """技术经理人: the managers whose certificate the CAST staff verified, by keyword and field."""
    form = DirectoryForm(request.GET)
    if not form.is_valid():
        messages.warning(request, _("Some filters were not understood and were ignored."))
    filters = {
        name: value
        for name, value in getattr(form, "cleaned_data", {}).items()
        if name not in form.errors
    }
    field = filters.get("field")
    managers = manager_list_public(
        query=(filters.get("q") or "").strip(), field_id=field.pk if field else None
    )
    page = Paginator(managers, PAGE_SIZE).get_page(request.GET.get("page"))
    user_ids = [profile.user_id for profile in page]
    records = manager_records(user_ids=user_ids)
    standings = manager_standings(user_ids=user_ids)
    cards = [
        {
            "profile": profile,
            "record": records[profile.user_id],
            "standing": standings[profile.user_id],
        }
        for profile in page
    ]
    return render(
        request,
        "managers/manager_list.html",
        {"form": form, "page": page, "cards": cards, "own": _own_profile(request.actor)},
    )


def manager_detail(request, pk):
    actor = request.actor
    profile = manager_get_public(actor=actor, pk=pk)
    is_own = actor.is_authenticated and profile.user_id == actor.user.pk
    can_offer = (
        actor.is_person
        and not is_own
        and profile.is_verified
        and mandate_organizations(actor).exists()
    )
    return render(
        request,
        "managers/manager_detail.html",
        {
            "profile": profile,
            "fields": profile.fields.all(),
            "is_own": is_own,
            "can_review": manager_can_review(actor=actor, profile=profile),
            "can_offer": can_offer,
            "masked_number": masked(profile.certificate_number),
            "certificate_badge": CERTIFICATE_BADGES[profile.certificate_status],
            "record": manager_record(profile=profile),
            "standing": manager_credit_compute(profile=profile),
        },
    )


@login_required
def profile_edit(request):
    """One's own profile: created on the first save, then edited."""
    actor = request.actor
    profile = _own_profile(actor)
    initial = {} if profile else {"name": actor.user.display_name}
    form = ProfileForm(request.POST or None, instance=profile, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in ("name", "headline", "bio", "region")}
            try:
                saved = services.profile_save(
                    actor=actor, data=data, fields=form.cleaned_data["fields"]
                )
            except PermissionDenied as error:
                raise PermissionDenied(error_text(error)) from error
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if saved.certificate_status == ManagerProfile.CertificateStatus.NONE:
                    messages.success(
                        request,
                        _(
                            "Profile saved. Now submit your certificate: once the CAST staff "
                            "verify it, your profile is public."
                        ),
                    )
                    return redirect("managers:certificate")
                messages.success(request, _("Profile saved."))
                return redirect(saved)
        status = 400
    return render(
        request,
        "managers/profile_form.html",
        {"form": form, "profile": profile},
        status=status,
    )


@login_required
def certificate_edit(request):
    """Submit (or resubmit) one's certificate with a scan; the CAST staff verify it."""
    actor = request.actor
    profile = _own_profile(actor)
    if profile is None:
        messages.info(request, _("First write your profile, then submit your certificate."))
        return redirect("managers:me")
    initial = {
        "certificate_number": profile.certificate_number,
        "certificate_issuer": profile.certificate_issuer,
        "certificate_level": profile.certificate_level,
    }
    form = CertificateForm(
        request.POST or None, request.FILES or None, initial=initial, profile=profile
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.certificate_submit(
                    actor=actor,
                    profile=profile,
                    number=data["certificate_number"],
                    issuer=data["certificate_issuer"],
                    level=data["certificate_level"],
                    file=data["certificate_file"] or None,
                )
            except PermissionDenied as error:
                raise PermissionDenied(error_text(error)) from error
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Certificate sent: the CAST staff of your region will verify it."),
                )
                return redirect(profile)
        status = 400
    return render(
        request,
        "managers/certificate_form.html",
        {
            "form": form,
            "profile": profile,
            "certificate_badge": CERTIFICATE_BADGES[profile.certificate_status],
            # A browser never keeps a chosen file across a page with errors.
            "choose_again": status == 400 and bool(request.FILES),
        },
        status=status,
    )


@login_required
def certificate_download(request, pk):
    """Through this check only, never a public folder: the manager and the CAST staff who
    verify the certificate; 404 for anyone else."""
    actor = request.actor
    profile = ManagerProfile.objects.filter(pk=pk).first()
    if profile is None or not profile.certificate_file:
        raise Http404
    if profile.user_id != actor.user.pk and not manager_can_review(actor=actor, profile=profile):
        raise Http404
    extension = profile.certificate_file.name.rsplit(".", 1)[-1]
    return upload_private_response(
        profile.certificate_file, filename=f"{profile.name}-certificate.{extension}"
    )


# --- the CAST staff's verification --------------------------------------------------------


@login_required
def review_queue(request):
    actor = request.actor
    if not actor.is_staff_reviewer:
        raise PermissionDenied
    return render(
        request,
        "managers/review_queue.html",
        {"profiles": manager_list_for_review(actor=actor)},
    )


@login_required
def certificate_review(request, pk):
    """Verify a certificate, or say why not; only the CAST staff of the manager's region."""
    actor = request.actor
    profile = ManagerProfile.objects.select_related("region", "user").filter(pk=pk).first()
    if profile is None or not manager_can_review(actor=actor, profile=profile):
        raise Http404
    form = ReviewForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            approve = form.cleaned_data["decision"] == "verify"
            try:
                services.certificate_decide(
                    actor=actor, profile=profile, approve=approve, note=form.cleaned_data["note"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    (_("Verified: %(name)s") if approve else _("Not verified: %(name)s"))
                    % {"name": profile.name},
                )
                return redirect("managers:review_queue")
        status = 400
    return render(
        request,
        "managers/certificate_review.html",
        {
            "profile": profile,
            "form": form,
            "fields": profile.fields.all(),
            "certificate_badge": CERTIFICATE_BADGES[profile.certificate_status],
            "pending": profile.certificate_status == ManagerProfile.CertificateStatus.PENDING,
        },
        status=status,
    )


# --- mandates ------------------------------------------------------------------------------


def _deals_in_scope(mandates) -> dict[int, list[Deal]]:
    """Mandate id → the deals about its listings to which its organization is a party."""
    listings = {
        mandate.pk: {listing.pk for listing in mandate.listings.all()} for mandate in mandates
    }
    every = set().union(*listings.values()) if listings else set()
    if not every:
        return {}
    deals = Deal.objects.filter(Q(need_id__in=every) | Q(listing_id__in=every)).order_by("-id")
    found = defaultdict(list)
    for deal in deals:
        for mandate in mandates:
            in_scope = {deal.need_id, deal.listing_id} & listings[mandate.pk]
            if in_scope and mandate.organization_id in deal.party_ids:
                found[mandate.pk].append(deal)
    return found


def _rows(mandates):
    mandates = list(mandates)
    deals = _deals_in_scope(mandates)
    return [
        {
            "mandate": mandate,
            "badge": STATUS_BADGES[mandate.status],
            "listings": list(mandate.listings.all()),
            "deals": deals.get(mandate.pk, []),
        }
        for mandate in mandates
    ]


@login_required
def mandate_list(request):
    """My mandates as a manager, and those my organizations gave."""
    actor = request.actor
    visible = mandate_list_visible(actor=actor).prefetch_related("listings")
    mine = visible.filter(manager=actor.user)
    given = visible.filter(organization_id__in=actor.organization_ids)
    return render(
        request,
        "managers/mandate_list.html",
        {
            "mine": _rows(mine),
            "given": _rows(given),
            "profile": _own_profile(actor),
            "is_member": bool(actor.organization_ids),
            "can_offer": actor.is_person and mandate_organizations(actor).exists(),
        },
    )


@login_required
def mandate_new(request):
    """An organization's administrator offers a verified manager a mandate."""
    actor = request.actor
    organizations = mandate_organizations(actor)
    if not organizations.exists():
        raise PermissionDenied(_("Only an organization's administrators give mandates."))
    verified = organizations.filter(status=Organization.Status.VERIFIED)
    if not verified.exists():
        return render(
            request,
            "managers/mandate_form.html",
            {"form": None, "organizations": organizations},
        )
    initial = {}
    manager_id = request.GET.get("manager", "")
    if manager_id.isascii() and manager_id.isdigit() and len(manager_id) < 19:
        initial["manager"] = int(manager_id)
    form = MandateForm(request.POST or None, actor=actor, organizations=verified, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                mandate = services.mandate_offer(
                    actor=actor,
                    organization=data["organization"],
                    manager=data["manager"],
                    listings=data["listings"],
                    scope_note=data["scope_note"],
                    base_fee=data["base_fee"],
                    success_share=data["success_share"],
                    cap=data["cap"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                )
            except PermissionDenied as error:
                raise PermissionDenied(error_text(error)) from error
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Mandate offered: %(manager)s has been asked to accept it.")
                    % {"manager": data["manager"].name},
                )
                return redirect("managers:mandate", mandate.pk)
        status = 400
    return render(
        request,
        "managers/mandate_form.html",
        {"form": form, "organizations": verified},
        status=status,
    )


def _mandate_page(request, mandate, *, status=200, **bound):
    actor = request.actor
    is_manager = actor.is_authenticated and mandate.manager_id == actor.user.pk
    open_ = mandate.status in (Mandate.Status.OFFERED, Mandate.Status.ACTIVE)
    can_answer = is_manager and actor.is_person and mandate.status == Mandate.Status.OFFERED
    can_end = open_ and mandate_can_end(actor=actor, mandate=mandate)
    can_scope = open_ and mandate_can_offer(actor=actor, organization=mandate.organization)
    row = _rows([mandate])[0]
    profile = ManagerProfile.objects.filter(user_id=mandate.manager_id).first()
    context = {
        **row,
        "profile": profile,
        "is_manager": is_manager,
        "in_force": mandate.is_in_force(),
        "commissions": commission_list_for_mandate(mandate=mandate),
        "can_answer": can_answer,
        "decline_form": bound.get("decline_form") or (DeclineForm() if can_answer else None),
        "end_form": bound.get("end_form") or (EndForm() if can_end else None),
        "listings_form": bound.get("listings_form")
        or (MandateListingsForm(mandate=mandate) if can_scope else None),
        "answer_error": bound.get("answer_error", ""),
    }
    return render(request, "managers/mandate_detail.html", context, status=status)


@login_required
def mandate_detail(request, pk):
    return _mandate_page(request, mandate_get(actor=request.actor, pk=pk))


@login_required
@require_POST
def mandate_act(request, pk, action):
    """Accept, decline, end (with a note) or change the listings in scope."""
    if action not in ACTIONS:
        raise Http404
    actor = request.actor
    mandate = mandate_get(actor=actor, pk=pk)
    allowed = {
        "accept": actor.is_person and mandate.manager_id == actor.user.pk,
        "decline": actor.is_person and mandate.manager_id == actor.user.pk,
        "end": mandate_can_end(actor=actor, mandate=mandate),
        "listings": mandate_can_offer(actor=actor, organization=mandate.organization),
    }
    if not allowed[action]:
        raise PermissionDenied
    try:
        if action == "accept":
            services.mandate_accept(actor=actor, mandate=mandate)
            messages.success(request, _("Mandate accepted: you now act for the organization."))
        elif action == "decline":
            form = DeclineForm(request.POST)
            if not form.is_valid():
                return _mandate_page(request, mandate, status=400, decline_form=form)
            services.mandate_decline(actor=actor, mandate=mandate, note=form.cleaned_data["note"])
            messages.success(request, _("Mandate declined."))
        elif action == "end":
            form = EndForm(request.POST)
            if not form.is_valid():
                return _mandate_page(request, mandate, status=400, end_form=form)
            try:
                services.mandate_end(actor=actor, mandate=mandate, note=form.cleaned_data["note"])
            except ValidationError as error:
                add_service_errors(form, error)
                return _mandate_page(request, mandate, status=400, end_form=form)
            messages.success(request, _("The mandate has ended."))
        else:
            form = MandateListingsForm(request.POST, mandate=mandate)
            if not form.is_valid():
                return _mandate_page(request, mandate, status=400, listings_form=form)
            try:
                services.mandate_set_listings(
                    actor=actor, mandate=mandate, listings=form.cleaned_data["listings"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
                return _mandate_page(request, mandate, status=400, listings_form=form)
            messages.success(request, _("The listings in scope were changed."))
    except PermissionDenied as error:
        raise PermissionDenied(error_text(error)) from error
    except ValidationError as error:
        mandate.refresh_from_db()
        return _mandate_page(request, mandate, status=400, answer_error=error_text(error))
    return redirect("managers:mandate", mandate.pk)
