"""Pages of contact: 我的对接 (the conversation list), a conversation, contact requests, the
shared contact's settings and the CAST staff's queue of reports. Thin: the services decide."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from conversations import services
from conversations.forms import (
    ContactRequestForm,
    DeclineForm,
    MessageForm,
    ReportForm,
    ReportResolveForm,
    SharedContactForm,
)
from conversations.models import AbuseReport
from conversations.permissions import (
    conversation_can_write,
    conversation_member_party_id,
    conversation_party_organization_id,
    shared_contact_can_set,
)
from conversations.selectors import (
    abuse_report_list_for_staff,
    block_by,
    block_exists_between,
    contact_request_get,
    contact_request_list_incoming,
    contact_request_list_sent,
    contact_request_pending_count,
    conversation_counterpart_contact,
    conversation_get,
    conversation_list_with_unread,
    conversation_unread_count_cached,
    message_attachment_get,
    message_list,
    read_upto_by_other_party,
    read_upto_for,
    shared_contact_chosen,
    shared_contact_for,
)
from core.uploads import upload_private_response
from core.web import add_service_errors, error_text
from organizations.models import Organization
from repositories.selectors import listing_get


def _verified_own_organizations(request):
    return (
        Organization.objects.filter(
            id__in=request.actor.organization_ids, status=Organization.Status.VERIFIED
        )
        .exclude(kind=Organization.Kind.CAST_OFFICE)
        .order_by("name_sort_key")
    )


def unread_badge(request):
    """The navigation bar's count of unread messages, fetched by the bar once the page is
    shown (htmx), so that no page waits for it; cached for a minute, cleared by a new message
    and by reading."""
    count = conversation_unread_count_cached(actor=request.actor)
    return render(request, "conversations/_unread_badge.html", {"count": count})


@login_required
def conversation_list(request):
    """我的对接: the conversations of one's organizations, unread first in mind; the CAST staff
    also find those they oversee (?box=oversight)."""
    actor = request.actor
    box = "oversight" if request.GET.get("box") == "oversight" and actor.is_staff_reviewer else ""
    conversations = conversation_list_with_unread(actor=actor, box=box or "mine")
    rows = []
    for conversation in conversations[:200]:
        own = conversation_party_organization_id(actor=actor, conversation=conversation)
        other = None
        if own is not None:
            other = conversation.party_b if own == conversation.party_a_id else conversation.party_a
        rows.append({"conversation": conversation, "other": other})
    return render(
        request,
        "conversations/conversation_list.html",
        {
            "rows": rows,
            "box": box,
            "is_reviewer": actor.is_staff_reviewer,
            "pending_requests": contact_request_pending_count(actor=actor),
        },
    )


def _thread_context(request, conversation) -> dict:
    """What the thread shows: the messages, whose they are, and what is new or read."""
    own = conversation_party_organization_id(actor=request.actor, conversation=conversation)
    context = {
        "conversation": conversation,
        "thread": list(message_list(conversation=conversation)),
        "own_id": own,
        "is_party": own is not None,
        "thread_refresh_seconds": settings.CONVERSATION_REFRESH_SECONDS,
    }
    if own is not None:
        context["other_read_upto"] = read_upto_by_other_party(
            conversation=conversation, organization_id=own
        )
        context["read_upto"] = read_upto_for(conversation=conversation, user=request.user)
    return context


def _conversation_page(request, conversation, form, status=200):
    actor = request.actor
    context = _thread_context(request, conversation)
    own = context["own_id"]
    context |= {
        "counterpart_contact": conversation_counterpart_contact(
            actor=actor, conversation=conversation
        ),
        "form": form if own is not None else None,
        "report_form": ReportForm() if own is not None else None,
    }
    if own is not None:
        other_id = conversation.other_party_id(own)
        context["blocked"] = block_exists_between(organization_id=own, other_id=other_id)
        context["we_blocked"] = block_by(organization_id=own, other_id=other_id)
        context["own_contact"] = shared_contact_for(
            organization=conversation.party_a
            if own == conversation.party_a_id
            else conversation.party_b
        )
        context["by_mandate"] = (
            conversation_member_party_id(actor=actor, conversation=conversation) is None
        )
    return render(request, "conversations/conversation_detail.html", context, status=status)


def conversation_detail(request, pk):
    """404 for anyone who may not read it, signed in or not: nobody learns that it exists."""
    conversation = conversation_get(actor=request.actor, pk=pk)
    if request.method == "POST":
        return _message_send(request, conversation)
    if request.htmx:
        # The page's poll: the thread alone, with what arrived since.
        response = render(
            request, "conversations/_thread.html", _thread_context(request, conversation)
        )
    else:
        response = _conversation_page(request, conversation, MessageForm())
    # Shown with the unread ones marked; from now on they count as read.
    services.conversation_mark_read(actor=request.actor, conversation=conversation)
    return response


def _message_send(request, conversation):
    if not conversation_can_write(actor=request.actor, conversation=conversation):
        raise PermissionDenied(_("Only the two parties write in a conversation."))
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.message_send(
                actor=request.actor,
                conversation=conversation,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["files"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(f"{conversation.get_absolute_url()}#message-form")
    return _conversation_page(request, conversation, form, status=400)


def attachment_download(request, pk):
    """Through this check only, never a public folder: 404 for anyone who may not read the
    conversation."""
    attachment = message_attachment_get(actor=request.actor, pk=pk)
    return upload_private_response(attachment.file, filename=attachment.name)


@login_required
@require_POST
def conversation_block(request, pk):
    conversation = conversation_get(actor=request.actor, pk=pk)
    unblock = request.POST.get("unblock") == "1"
    try:
        if unblock:
            services.organization_unblock(actor=request.actor, conversation=conversation)
        else:
            services.organization_block(actor=request.actor, conversation=conversation)
    except PermissionDenied as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            _("Unblocked: messages can be sent again.")
            if unblock
            else _("Blocked: this organization can no longer write to yours or ask for contact."),
        )
    return redirect(conversation)


@login_required
@require_POST
def conversation_report(request, pk):
    conversation = conversation_get(actor=request.actor, pk=pk)
    form = ReportForm(request.POST)
    if form.is_valid():
        try:
            services.abuse_report_create(
                actor=request.actor, conversation=conversation, **form.cleaned_data
            )
        except PermissionDenied as error:
            messages.error(request, error_text(error))
            return redirect(conversation)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Reported to the local CAST office. Thank you."))
            return redirect(conversation)
    return render(
        request,
        "conversations/report_form.html",
        {"conversation": conversation, "form": form},
        status=400,
    )


# --- contact requests --------------------------------------------------------------------


@login_required
def contact_request_create(request, kind, pk):
    """我要对接 on a published listing: a short message, the owner accepts or declines."""
    listing = listing_get(actor=request.actor, kind=kind, pk=pk)
    # The owner's own organization stays among the choices: asking in its name is refused
    # by the service with a clear reason rather than by an empty list.
    organizations = _verified_own_organizations(request)
    if request.method == "POST":
        form = ContactRequestForm(request.POST, organizations=organizations)
        if form.is_valid():
            try:
                services.contact_request_create(
                    actor=request.actor,
                    listing=listing,
                    organization=form.cleaned_data["organization"],
                    message=form.cleaned_data["message"],
                )
            except (ValidationError, PermissionDenied) as error:
                if isinstance(error, PermissionDenied):
                    form.add_error(None, error_text(error))
                else:
                    add_service_errors(form, error)
            else:
                messages.success(
                    request, _("Your request was sent; you will be told when the owner answers.")
                )
                return redirect(listing)
        status = 400
    else:
        form = ContactRequestForm(organizations=organizations)
        status = 200
    return render(
        request,
        "conversations/contact_request_form.html",
        {"listing": listing, "form": form, "organizations": organizations},
        status=status,
    )


@login_required
def contact_requests(request):
    """Requests to one's organizations (to accept or decline), and those it sent (?box=sent)."""
    box = "sent" if request.GET.get("box") == "sent" else "incoming"
    actor = request.actor
    requests = (
        contact_request_list_sent(actor=actor)
        if box == "sent"
        else contact_request_list_incoming(actor=actor)
    )
    requests = list(requests[:200])
    for item in requests:
        # One decline form per request, each with its own element ids.
        item.decline_form = DeclineForm(auto_id=f"id_%s_{item.pk}")
        # Blocking cuts off the whole organization: its members', not a manager's, to decide.
        item.can_block = item.owner_id in actor.organization_ids
    return render(
        request,
        "conversations/contact_requests.html",
        {
            "requests": requests,
            "box": box,
            "pending_requests": contact_request_pending_count(actor=actor),
        },
    )


@login_required
@require_POST
def contact_request_accept(request, pk):
    contact_request = contact_request_get(actor=request.actor, pk=pk)
    try:
        conversation = services.contact_request_accept(
            actor=request.actor, contact_request=contact_request
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
        return redirect("conversations:requests")
    messages.success(request, _("Accepted: you are now in contact."))
    return redirect(conversation)


@login_required
def contact_request_decline(request, pk):
    contact_request = contact_request_get(actor=request.actor, pk=pk)
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_request_decline(
                actor=request.actor, contact_request=contact_request, **form.cleaned_data
            )
        except PermissionDenied as error:
            messages.error(request, error_text(error))
            return redirect("conversations:requests")
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                add_service_errors(form, error)
            else:
                messages.error(request, error_text(error))
                return redirect("conversations:requests")
        else:
            if (
                request.POST.get("block") == "1"
                and contact_request.owner_id in request.actor.organization_ids
            ):
                services.organization_block_requester(
                    actor=request.actor, contact_request=contact_request
                )
            messages.success(request, _("Declined; the requester has been told."))
            return redirect("conversations:requests")
    return render(
        request,
        "conversations/decline_form.html",
        {"contact_request": contact_request, "form": form},
        status=400 if request.method == "POST" else 200,
    )


# --- the shared contact -------------------------------------------------------------------


@login_required
def shared_contact(request, pk):
    """An administrator chooses which contact the organization shows its counterparts."""
    organization = get_object_or_404(Organization, pk=pk)
    if not shared_contact_can_set(actor=request.actor, organization_id=organization.pk):
        raise Http404
    instance = shared_contact_chosen(organization=organization)
    if request.method == "POST" and request.POST.get("reset") == "1":
        services.shared_contact_reset(actor=request.actor, organization=organization)
        messages.success(request, _("Your counterparts now see the organization's own contact."))
        return redirect("conversations:shared_contact", pk=organization.pk)
    initial = {
        "name": organization.contact_name,
        "phone": organization.contact_phone,
        "email": organization.contact_email,
    }
    form = SharedContactForm(request.POST or None, instance=instance, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.shared_contact_set(
                    actor=request.actor, organization=organization, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Saved: counterparts will see this contact."))
                return redirect("conversations:shared_contact", pk=organization.pk)
        status = 400
    return render(
        request,
        "conversations/shared_contact_form.html",
        {
            "organization": organization,
            "form": form,
            "current": shared_contact_for(organization=organization),
            "is_custom": instance is not None,
        },
        status=status,
    )


# --- reports, for the CAST staff -------------------------------------------------------------


@login_required
def report_queue(request):
    actor = request.actor
    if not actor.is_staff_reviewer:
        raise Http404
    status = request.GET.get("status") or AbuseReport.Status.OPEN
    if status not in AbuseReport.Status.values:
        status = AbuseReport.Status.OPEN
    return render(
        request,
        "conversations/report_queue.html",
        {
            "reports": abuse_report_list_for_staff(actor=actor, status=status)[:200],
            "status": status,
            "resolve_form": ReportResolveForm(),
        },
    )


@login_required
@require_POST
def report_resolve(request, pk):
    actor = request.actor
    report = abuse_report_list_for_staff(actor=actor).filter(pk=pk).first()
    if report is None:
        raise Http404
    form = ReportResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("conversations:reports")
    try:
        services.abuse_report_resolve(
            actor=actor, report=report, resolution=form.cleaned_data["resolution"]
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Marked as resolved."))
    return redirect(reverse("conversations:reports"))
