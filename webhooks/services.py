"""Writes: webhook endpoints, emitting events, and attempting deliveries.

Other apps announce an event with webhook_emit(); everything else here serves the webhook pages,
the API and the Celery tasks.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from http.client import HTTPException
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.models import Notification
from organizations.models import Organization
from organizations.services import notify_organization
from outbox.services import outbox_enqueue_many
from webhooks import transport
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.permissions import webhook_can_manage
from webhooks.signing import sign

if TYPE_CHECKING:
    from organizations.selectors import Actor

MAX_ENDPOINTS_PER_ORGANIZATION = 20
MAX_RETRY_DELAY_SECONDS = 24 * 3600
# How long a worker holds a delivery beyond the request timeout before another may take it.
CLAIM_MARGIN_SECONDS = 60
# A task that arrives this early for its next attempt still sends.
EARLY_SLACK = timedelta(seconds=5)
ENDPOINT_UPDATE_FIELDS = ("url", "events", "description", "is_active")


def _setting(name, default):
    return getattr(settings, name, default)


def webhook_timeout() -> float:
    return _setting("WEBHOOK_TIMEOUT_SECONDS", 5)


def webhook_max_attempts() -> int:
    return max(1, _setting("WEBHOOK_MAX_ATTEMPTS", 6))


def webhook_retry_delay(attempt: int) -> int:
    """Seconds to wait after failed attempt number `attempt` (1, 2, …): base, 2×base, 4×base, …"""
    base = _setting("WEBHOOK_RETRY_BASE_SECONDS", 30)
    return min(base * 2 ** (attempt - 1), MAX_RETRY_DELAY_SECONDS)


def _check_admin(actor, organization_id):
    if not webhook_can_manage(actor=actor, organization_id=organization_id):
        raise PermissionDenied(_("Only the organization's administrators can manage webhooks."))


def _url_error(message, code):
    return ValidationError({"url": ValidationError(str(message), code=code)})


def webhook_url_validate(*, url: str) -> str:
    """The URL, stripped, if it may receive webhooks; otherwise ValidationError on "url".

    The error's code says why: required, scheme, invalid, max_length, credentials,
    unresolvable or private_host.
    """
    url = (url or "").strip()
    if not url:
        raise _url_error(_("Enter the URL that receives the webhooks."), "required")
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme and scheme not in ("http", "https"):
        raise _url_error(_("Only http:// and https:// URLs can receive webhooks."), "scheme")
    if len(url) > WebhookEndpoint._meta.get_field("url").max_length:
        raise _url_error(_("The URL is too long (500 characters at most)."), "max_length")
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise _url_error(_("Enter a valid URL."), "invalid") from None
    try:
        if transport.private_hosts_allowed() or not transport.delivery_enabled():
            transport.parse_url(url)
        else:
            transport.resolve(url, allow_private=False)
    except transport.DestinationRefused as refused:
        raise _url_error(refused.message, refused.code) from None
    return url


def webhook_events_clean(*, events: Iterable[str]) -> list[str]:
    """The chosen events, known and in their canonical order; ValidationError on "events"."""
    if isinstance(events, str) or not isinstance(events, list | tuple | set | frozenset):
        raise ValidationError({"events": _("Give the events as a list.")})
    unknown = sorted(str(event) for event in set(events) - set(WebhookEvent.values))
    if unknown:
        raise ValidationError(
            {"events": _("Unknown events: %(events)s.") % {"events": ", ".join(unknown)}}
        )
    if not events:
        raise ValidationError({"events": _("Choose at least one event.")})
    return [event for event in WebhookEvent.values if event in set(events)]


def _new_secret():
    return "whsec_" + secrets.token_urlsafe(32)


@transaction.atomic
def webhook_endpoint_create(
    *,
    organization: Organization,
    actor: Actor,
    url: str,
    events: Iterable[str],
    description: str = "",
    is_active: bool = True,
) -> WebhookEndpoint:
    """Add an endpoint; its secret is in endpoint.secret, to be shown once to its creator.

    If the endpoint subscribes to "ping", a ping is sent to it once the transaction commits.
    """
    _check_admin(actor, organization.id)
    if not organization.is_verified:
        raise ValidationError(_("Webhooks can be added once the organization is verified."))
    if organization.webhook_endpoints.count() >= MAX_ENDPOINTS_PER_ORGANIZATION:
        raise ValidationError(
            _("An organization can have at most %(count)d webhook endpoints.")
            % {"count": MAX_ENDPOINTS_PER_ORGANIZATION}
        )
    errors = {}
    try:
        url = webhook_url_validate(url=url)
    except ValidationError as error:
        errors.update(error.error_dict)
    try:
        events = webhook_events_clean(events=events)
    except ValidationError as error:
        errors.update(error.error_dict)
    if errors:
        raise ValidationError(errors)
    endpoint = WebhookEndpoint.objects.create(
        organization=organization,
        url=url,
        events=events,
        description=(description or "").strip()[:100],
        is_active=is_active,
        secret=_new_secret(),
        created_by=actor.user if getattr(actor.user, "pk", None) else None,
    )
    if is_active and WebhookEvent.PING in events:
        webhook_ping(endpoint=endpoint, actor=actor)
    return endpoint


@transaction.atomic
def webhook_endpoint_update(
    *, endpoint: WebhookEndpoint, actor: Actor, data: dict[str, Any]
) -> WebhookEndpoint:
    """Change url, events, description or is_active (the keys present in data).

    Enabling an endpoint again clears its failure streak; a new URL subscribed to "ping" is pinged.
    """
    _check_admin(actor, endpoint.organization_id)
    unknown = set(data) - set(ENDPOINT_UPDATE_FIELDS)
    if unknown:
        raise ValidationError(
            {name: _("This field cannot be changed.") for name in sorted(unknown)}
        )
    errors = {}
    changes = {}
    if "url" in data:
        try:
            changes["url"] = webhook_url_validate(url=data["url"])
        except ValidationError as error:
            errors.update(error.error_dict)
    if "events" in data:
        try:
            changes["events"] = webhook_events_clean(events=data["events"])
        except ValidationError as error:
            errors.update(error.error_dict)
    if errors:
        raise ValidationError(errors)
    if "description" in data:
        changes["description"] = (data["description"] or "").strip()[:100]
    if "is_active" in data:
        changes["is_active"] = bool(data["is_active"])
        if changes["is_active"] and not endpoint.is_active:
            changes["failure_streak"] = 0
            changes["disabled_at"] = None
    url_changed = "url" in changes and changes["url"] != endpoint.url
    for name, value in changes.items():
        setattr(endpoint, name, value)
    if changes:
        endpoint.save(update_fields=list(changes))
    if url_changed and endpoint.is_active and WebhookEvent.PING in endpoint.events:
        webhook_ping(endpoint=endpoint, actor=actor)
    return endpoint


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, actor: Actor) -> None:
    """Delete the endpoint and its delivery log."""
    _check_admin(actor, endpoint.organization_id)
    endpoint.delete()


def _enqueue(delivery_ids):
    """Each delivery's first attempt, in the outbox of the transaction that wrote it: sent once
    that commits, or later by the outbox's relay if the broker is out. deliver_webhook claims the
    delivery, so a task relayed twice sends once."""
    from webhooks.tasks import deliver_webhook

    outbox_enqueue_many(deliver_webhook, args_list=[(delivery_id,) for delivery_id in delivery_ids])


@transaction.atomic
def webhook_ping(*, endpoint: WebhookEndpoint, actor: Actor) -> WebhookDelivery:
    """Send a "ping" to the endpoint now (once, without retries), even if it is disabled."""
    _check_admin(actor, endpoint.organization_id)
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event=WebhookEvent.PING,
        payload={
            "message": "TechBridge webhook ping",
            "endpoint": {"id": endpoint.id, "url": endpoint.url, "events": endpoint.events},
        },
        max_attempts=1,
        next_attempt_at=timezone.now(),
    )
    _enqueue([delivery.id])
    return delivery


@transaction.atomic
def webhook_emit(
    *, organization: Organization | int, event: str, payload: dict[str, Any]
) -> list[WebhookDelivery]:
    """Announce an event to an organization's active endpoints subscribed to it.

    organization: an Organization or its id; event: one of WebhookEvent's values; payload: a
    JSON-serializable dict (dates, decimals and UUIDs are fine), sent as the body's "data".
    Creates one delivery per endpoint, in the current transaction with the outbox messages that
    send each from a Celery task once it commits. Returns the deliveries (none if no endpoint
    listens).
    """
    if event not in WebhookEvent.values:
        raise ValueError(f"Unknown webhook event: {event!r}")
    organization_id = organization.pk if isinstance(organization, Organization) else organization
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(
            organization_id=organization_id, is_active=True
        )
        if event in endpoint.events
    ]
    if not endpoints:
        return []
    # Stored as the receivers will see it (through JSON), whatever Python types came in.
    payload = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    now = timezone.now()
    deliveries = [
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            event=event,
            payload=payload,
            max_attempts=webhook_max_attempts(),
            next_attempt_at=now,
        )
        for endpoint in endpoints
    ]
    _enqueue([delivery.id for delivery in deliveries])
    return deliveries


def webhook_delivery_redeliver(*, delivery: WebhookDelivery, actor: Actor) -> WebhookDelivery:
    """Send a failed delivery again, with a fresh set of attempts and the same event id."""
    endpoint = delivery.endpoint
    _check_admin(actor, endpoint.organization_id)
    if delivery.status != WebhookDelivery.Status.FAILED:
        raise ValidationError(_("Only a failed delivery can be sent again."))
    if not endpoint.is_active and delivery.event != WebhookEvent.PING:
        raise ValidationError(_("This endpoint is disabled: enable it first."))
    with transaction.atomic():
        updated = WebhookDelivery.objects.filter(
            pk=delivery.pk, status=WebhookDelivery.Status.FAILED
        ).update(
            status=WebhookDelivery.Status.PENDING,
            attempts=0,
            max_attempts=1 if delivery.event == WebhookEvent.PING else webhook_max_attempts(),
            next_attempt_at=timezone.now(),
            locked_until=None,
        )
        if not updated:
            raise ValidationError(_("Only a failed delivery can be sent again."))
        _enqueue([delivery.pk])
    delivery.refresh_from_db()
    return delivery


def webhook_body(delivery: WebhookDelivery) -> bytes:
    """The request body: the same bytes on every attempt of a delivery."""
    envelope = {
        "id": str(delivery.event_id),
        "event": delivery.event,
        "created_at": delivery.created_at.isoformat(),
        "organization": delivery.endpoint.organization_id,
        "data": delivery.payload,
    }
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def webhook_headers(delivery: WebhookDelivery, body: bytes, *, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-TechBridge-Event": delivery.event,
        "X-TechBridge-Delivery": str(delivery.event_id),
        "X-TechBridge-Timestamp": str(timestamp),
        "X-TechBridge-Signature": sign(delivery.endpoint.secret, timestamp, body),
        "X-TechBridge-Attempt": str(delivery.attempts),
    }


@dataclass(frozen=True)
class AttemptOutcome:
    """What one run of webhook_attempt_delivery did, and whether to run again later."""

    sent: bool = False
    succeeded: bool = False
    retry: bool = False
    countdown: int | None = None


def _short(text, limit=300):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def webhook_attempt_delivery(*, delivery_id: int) -> AttemptOutcome:
    """One attempt at a delivery; the Celery task schedules the retry this returns.

    The delivery is claimed first, so a second run while it is in flight, after it succeeded, or
    before its next attempt is due does nothing. 2xx is success; anything else (another status, a
    timeout, a refused connection) fails the attempt: the delivery waits
    WEBHOOK_RETRY_BASE_SECONDS × 2^(attempt − 1) for the next one, and after its last attempt it
    is marked failed, the organization's administrators are told, and an endpoint that failed
    WEBHOOK_DISABLE_AFTER_FAILURES deliveries in a row is disabled. With WEBHOOK_DELIVERY off
    the delivery is marked failed, "not sent", without any connection.
    """
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
        return AttemptOutcome()
    if not delivery.endpoint.is_active and delivery.event != WebhookEvent.PING:
        WebhookDelivery.objects.filter(
            pk=delivery_id, status=WebhookDelivery.Status.PENDING
        ).update(
            status=WebhookDelivery.Status.FAILED,
            last_error=_short(_("The endpoint is disabled.")),
            next_attempt_at=None,
        )
        return AttemptOutcome()

    if not transport.delivery_enabled():
        WebhookDelivery.objects.filter(
            pk=delivery_id, status=WebhookDelivery.Status.PENDING
        ).update(
            status=WebhookDelivery.Status.FAILED,
            last_error=_short(_("Not sent: webhook delivery is switched off.")),
            next_attempt_at=None,
        )
        return AttemptOutcome()

    now = timezone.now()
    timeout = webhook_timeout()
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + EARLY_SLACK))
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .update(
            attempts=F("attempts") + 1,
            locked_until=now + timedelta(seconds=timeout + CLAIM_MARGIN_SECONDS),
        )
    )
    if not claimed:
        return AttemptOutcome()
    delivery.refresh_from_db()

    body = webhook_body(delivery)
    timestamp = int(time.time())
    status_code = None
    try:
        response = transport.post(
            delivery.endpoint.url,
            body=body,
            headers=webhook_headers(delivery, body, timestamp=timestamp),
            timeout=timeout,
        )
    except transport.DestinationRefused as refused:
        error = _short(refused.message)
    except (OSError, HTTPException) as exc:
        error = _short(f"{type(exc).__name__}: {exc}")
    else:
        status_code = response.status
        snippet = response.body.decode("utf-8", "replace")
        error = "" if 200 <= status_code < 300 else _short(f"HTTP {status_code} {snippet}")

    finished = timezone.now()
    if status_code is not None and 200 <= status_code < 300:
        WebhookDelivery.objects.filter(pk=delivery_id).update(
            status=WebhookDelivery.Status.SUCCEEDED,
            last_status_code=status_code,
            last_error="",
            delivered_at=finished,
            next_attempt_at=None,
            locked_until=None,
        )
        if delivery.event != WebhookEvent.PING:
            WebhookEndpoint.objects.filter(pk=delivery.endpoint_id, failure_streak__gt=0).update(
                failure_streak=0
            )
        return AttemptOutcome(sent=True, succeeded=True)

    if delivery.attempts < delivery.max_attempts:
        countdown = webhook_retry_delay(delivery.attempts)
        WebhookDelivery.objects.filter(pk=delivery_id).update(
            last_status_code=status_code,
            last_error=error,
            next_attempt_at=finished + timedelta(seconds=countdown),
            locked_until=None,
        )
        return AttemptOutcome(sent=True, retry=True, countdown=countdown)

    WebhookDelivery.objects.filter(pk=delivery_id).update(
        status=WebhookDelivery.Status.FAILED,
        last_status_code=status_code,
        last_error=error,
        next_attempt_at=None,
        locked_until=None,
    )
    delivery.refresh_from_db()
    if delivery.event != WebhookEvent.PING:
        _record_final_failure(delivery)
    return AttemptOutcome(sent=True)


def _webhooks_page(organization_id):
    return reverse("webhooks:list", kwargs={"pk": organization_id})


def _shorten_url(url, limit=80):
    return url if len(url) <= limit else url[: limit - 1] + "…"


@transaction.atomic
def _record_final_failure(delivery):
    """Count the failed delivery in its endpoint's streak; tell the administrators."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
    endpoint.failure_streak += 1
    limit = _setting("WEBHOOK_DISABLE_AFTER_FAILURES", 10)
    disable = endpoint.is_active and limit and endpoint.failure_streak >= limit
    if disable:
        endpoint.is_active = False
        endpoint.disabled_at = timezone.now()
    endpoint.save(update_fields=["failure_streak", "is_active", "disabled_at"])
    organization = Organization.objects.get(pk=endpoint.organization_id)
    url = _shorten_url(endpoint.url)

    def title():
        if disable:
            return _(
                "Webhook endpoint disabled after %(count)d failed deliveries in a row: %(url)s"
            ) % {"count": endpoint.failure_streak, "url": url}
        return _("Webhook delivery failed: %(event)s to %(url)s") % {
            "event": delivery.event,
            "url": url,
        }

    def body():
        if disable:
            return _(
                "The last error was: %(error)s. Fix the receiver, then enable the endpoint again "
                "on the webhooks page and redeliver what failed."
            ) % {"error": delivery.last_error or "—"}
        return _(
            "It was tried %(attempts)d times; the last error was: %(error)s. You can redeliver it "
            "from the webhooks page."
        ) % {"attempts": delivery.attempts, "error": delivery.last_error or "—"}

    notify_organization(
        organization=organization,
        topic=Notification.Topic.WEBHOOK,
        title=title,
        body=body,
        url=_webhooks_page(organization.pk),
        admins_only=True,
    )
