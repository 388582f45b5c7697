"""Writes of subscriptions: a person's own settings, the instant push and the digests.

A push is recorded as a SubscriptionHit, unique per (subscription, listing), before anything
is sent, and every send claims its rows with a conditional UPDATE first: both tasks can run
twice (a retried or duplicated Celery message) and still push each listing once.
"""

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from core.web import site_url
from notifications.models import Notification
from notifications.services import notify
from repositories.models import Listing, ListingKind
from subscriptions.keywords import keyword_phrases, phrase_tokens
from subscriptions.models import Frequency, Subscription, SubscriptionHit
from subscriptions.selectors import subscriptions_match_listing

MAX_FIELDS = 20
MAX_REGIONS = 40
MAX_PHRASES = 10
MAX_PHRASE_LENGTH = 30
MAX_KEYWORDS_LENGTH = 200
MAX_NAME_LENGTH = 64
DIGEST_MAX_ITEMS = 50
# Only listings published this recently are news: an import of old-dated rows pushes nothing.
PUSH_MAX_AGE = timedelta(days=7)
KEYWORD_SEPARATOR = "，"

EDITABLE = ("name", "kinds", "fields", "regions", "keywords", "frequency", "is_active")
DEFAULTS = {
    "name": "",
    "kinds": [],
    "fields": [],
    "regions": [],
    "keywords": "",
    "frequency": Frequency.INSTANT,
    "is_active": True,
}


def _default_name(phrases, fields, regions):
    labels = [*phrases, *(field.label for field in fields), *(region.label for region in regions)]
    name = "、".join(labels[:3]) or _("My subscription")
    return Truncator(name).chars(MAX_NAME_LENGTH)


def _clean_keywords(text, errors):
    phrases = keyword_phrases(text)
    tokens = [phrase_tokens(phrase) for phrase in phrases]
    too_long = [phrase for phrase in phrases if len(phrase) > MAX_PHRASE_LENGTH]
    empty = [phrase for phrase, found in zip(phrases, tokens, strict=True) if not found]
    if len(phrases) > MAX_PHRASES:
        errors["keywords"] = _("Write at most %(max)d phrases.") % {"max": MAX_PHRASES}
    elif too_long:
        errors["keywords"] = _(
            "Keep each phrase within %(max)d characters: “%(phrase)s” is longer."
        ) % {"max": MAX_PHRASE_LENGTH, "phrase": Truncator(too_long[0]).chars(40)}
    elif empty:
        errors["keywords"] = _(
            "“%(phrase)s” has no word that can be searched for; write a more specific phrase."
        ) % {"phrase": empty[0]}
    normalized = KEYWORD_SEPARATOR.join(phrases)
    if "keywords" not in errors and len(normalized) > MAX_KEYWORDS_LENGTH:
        errors["keywords"] = _("Keep the keywords within %(max)d characters.") % {
            "max": MAX_KEYWORDS_LENGTH
        }
    return phrases, normalized, tokens


def subscription_clean(*, data: Mapping[str, Any]) -> dict[str, Any]:
    """Check and normalise a subscription's values; a ValidationError names each bad field.

    `data` holds every key of EDITABLE: fields and regions as taxonomy objects, kinds as
    ListingKind values, keywords as the text the person wrote. Returns the values to store,
    with `keyword_tokens` added and a name made from the criteria when none was given.
    """
    errors = {}
    name = " ".join(str(data["name"] or "").split())
    if len(name) > MAX_NAME_LENGTH:
        errors["name"] = _("Keep the name within %(max)d characters.") % {"max": MAX_NAME_LENGTH}
    kinds = list(dict.fromkeys(data["kinds"] or []))
    unknown = [kind for kind in kinds if kind not in ListingKind.values]
    if unknown:
        errors["kinds"] = _("Unknown kind of listing: %(codes)s.") % {
            "codes": ", ".join(map(str, unknown))
        }
    fields = list({field.pk: field for field in data["fields"] or []}.values())
    if len(fields) > MAX_FIELDS:
        errors["fields"] = _("Choose at most %(max)d technical fields.") % {"max": MAX_FIELDS}
    regions = list({region.pk: region for region in data["regions"] or []}.values())
    if len(regions) > MAX_REGIONS:
        errors["regions"] = _("Choose at most %(max)d regions.") % {"max": MAX_REGIONS}
    phrases, keywords, tokens = _clean_keywords(str(data["keywords"] or ""), errors)
    if data["frequency"] not in Frequency.values:
        errors["frequency"] = _("Choose instantly, daily or weekly.")
    if not (fields or regions or phrases) and not errors:
        errors[NON_FIELD_ERRORS] = _(
            "Choose at least one technical field, region or keyword: "
            "a subscription to everything would flood your inbox."
        )
    if errors:
        raise ValidationError(errors)
    return {
        "name": name or _default_name(phrases, fields, regions),
        "kinds": kinds,
        "fields": fields,
        "regions": regions,
        "keywords": keywords,
        "keyword_tokens": tokens,
        "frequency": data["frequency"],
        "is_active": bool(data["is_active"]),
    }


def _save(subscription, values):
    for name in ("name", "kinds", "keywords", "keyword_tokens", "frequency", "is_active"):
        setattr(subscription, name, values[name])
    subscription.save()
    subscription.fields.set(values["fields"])
    subscription.regions.set(values["regions"])
    return subscription


def _check_keys(data):
    unknown = set(data) - set(EDITABLE)
    if unknown:
        raise TypeError(f"unknown subscription keys: {sorted(unknown)}")


def _check_owner(subscription: Subscription, user: User) -> None:
    if subscription.user_id != user.pk:
        raise PermissionDenied(_("This is not your subscription."))


@transaction.atomic
def subscription_create(*, user: User, data: Mapping[str, Any]) -> Subscription:
    """A new subscription of `user`; `data` holds any keys of EDITABLE (the rest default)."""
    _check_keys(data)
    values = subscription_clean(data={**DEFAULTS, **data})
    # Lock the person's row: two requests at once cannot both slip under the limit.
    get_user_model().objects.select_for_update().filter(pk=user.pk).exists()
    limit = settings.SUBSCRIPTIONS_PER_USER_MAX
    if Subscription.objects.filter(user=user).count() >= limit:
        raise ValidationError(
            ngettext(
                "You can keep at most %(max)d subscription: delete one first.",
                "You can keep at most %(max)d subscriptions: delete one first.",
                limit,
            )
            % {"max": limit}
        )
    return _save(Subscription(user=user), values)


@transaction.atomic
def subscription_update(
    *, subscription: Subscription, user: User, data: Mapping[str, Any]
) -> Subscription:
    """Change some of the subscription's values (the keys of EDITABLE present in `data`)."""
    _check_owner(subscription, user)
    _check_keys(data)
    current = {
        "name": subscription.name,
        "kinds": subscription.kinds,
        "fields": list(subscription.fields.all()),
        "regions": list(subscription.regions.all()),
        "keywords": subscription.keywords,
        "frequency": subscription.frequency,
        "is_active": subscription.is_active,
    }
    values = subscription_clean(data={**current, **data})
    return _save(subscription, values)


def subscription_set_active(
    *, subscription: Subscription, user: User, is_active: bool
) -> Subscription:
    """Pause or resume: a paused subscription records and pushes nothing."""
    _check_owner(subscription, user)
    subscription.is_active = is_active
    subscription.save(update_fields=["is_active", "updated_at"])
    return subscription


def subscription_delete(*, subscription: Subscription, user: User) -> None:
    _check_owner(subscription, user)
    subscription.delete()


def _kind_label(listing: Listing) -> str:
    return str(ListingKind(listing.kind).label)


def _push_message(listing, names):
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Subscription: new %(kind)s “%(title)s”") % {
            "kind": _kind_label(listing),
            "title": listing.title,
        }
        body = "\n\n".join(
            [
                Truncator(listing.summary).chars(300),
                _("Matches your subscriptions: %(names)s") % {"names": "、".join(names)},
            ]
        )
    return title, body


def subscription_push_listing(*, listing_id: int) -> int:
    """Record the hits of a newly published listing and push it to instant subscribers.

    One notification (and e-mail) per person even when several of their subscriptions
    match; daily and weekly subscriptions only record the hit for their digest. Returns the
    number of people notified. Running it again notifies nobody twice: hits are unique, and
    each person's hits are claimed (notified_at set) before the notification is written.
    A listing published more than PUSH_MAX_AGE ago (an import of old rows) is not news.
    """
    if not Subscription.objects.filter(is_active=True).exists():
        return 0  # the common case during bulk imports: one cheap query
    listing = (
        Listing.objects.select_related("field__parent__parent", "region")
        .filter(pk=listing_id)
        .first()
    )
    if listing is None or not listing.is_live:
        return 0
    if listing.published_at is None or listing.published_at < timezone.now() - PUSH_MAX_AGE:
        return 0
    matched = subscriptions_match_listing(listing)
    if not matched:
        return 0
    SubscriptionHit.objects.bulk_create(
        [SubscriptionHit(subscription=subscription, listing=listing) for subscription in matched],
        ignore_conflicts=True,
    )
    instant: dict[int, list[str]] = {}
    for subscription in matched:
        if subscription.frequency == Frequency.INSTANT:
            instant.setdefault(subscription.user_id, []).append(subscription.name)
    users = get_user_model().objects.in_bulk(list(instant))
    sent = 0
    for user_id, names in instant.items():
        with transaction.atomic():
            hits = SubscriptionHit.objects.filter(listing=listing, subscription__user_id=user_id)
            pushed_before = hits.filter(notified_at__isnull=False).exists()
            claimed = hits.filter(
                notified_at__isnull=True, subscription__frequency=Frequency.INSTANT
            ).update(notified_at=timezone.now())
            if not claimed or pushed_before:
                continue
            with translation.override(users[user_id].message_language):
                title, body = _push_message(listing, names)
            notify(
                users=[users[user_id]],
                topic=Notification.Topic.SUBSCRIPTION,
                title=title,
                body=body,
                url=listing.get_absolute_url(),
            )
            sent += 1
    return sent


def _digest_message(frequency, listings, names_by_listing):
    count = len(listings)
    with translation.override(settings.LANGUAGE_CODE):
        if frequency == Frequency.DAILY:
            title = ngettext(
                "Daily digest: %(count)d new listing for your subscriptions",
                "Daily digest: %(count)d new listings for your subscriptions",
                count,
            )
        else:
            title = ngettext(
                "Weekly digest: %(count)d new listing for your subscriptions",
                "Weekly digest: %(count)d new listings for your subscriptions",
                count,
            )
        items = [
            f"[{_kind_label(listing)}] {listing.title}（{'、'.join(names_by_listing[listing.pk])}）"
            f"\n{site_url(listing.get_absolute_url())}"
            for listing in listings[:DIGEST_MAX_ITEMS]
        ]
        if count > DIGEST_MAX_ITEMS:
            items.append(
                _("…and %(count)d more on your subscriptions page.")
                % {"count": count - DIGEST_MAX_ITEMS}
            )
    return title % {"count": count}, "\n\n".join(items)


def _digest_user(*, user: User, frequency: str) -> bool:
    """Claim the person's undigested hits of this frequency and send one digest of them."""
    with transaction.atomic():
        pending = SubscriptionHit.objects.filter(
            digested_at__isnull=True,
            subscription__user_id=user.pk,
            subscription__frequency=frequency,
        )
        # Rows another worker holds are skipped, not waited for (PostgreSQL; SQLite
        # serializes write transactions anyway).
        ids = list(
            pending.select_for_update(skip_locked=True, of=("self",)).values_list("pk", flat=True)
        )
        if not ids:
            return False
        claimed = SubscriptionHit.objects.filter(pk__in=ids, digested_at__isnull=True).update(
            digested_at=timezone.now()
        )
        if claimed != len(ids):
            transaction.set_rollback(True)
            return False
        hits = (
            SubscriptionHit.objects.filter(pk__in=ids, subscription__is_active=True)
            .filter(listing__in=Listing.objects.live())
            .select_related("listing", "subscription")
            .order_by("-listing__published_at", "-listing_id")
        )
        pushed = set(
            SubscriptionHit.objects.filter(subscription__user_id=user.pk, notified_at__isnull=False)
            .filter(listing_id__in=[hit.listing_id for hit in hits])
            .values_list("listing_id", flat=True)
        )
        listings: list[Listing] = []
        names: dict[int, list[str]] = {}
        for hit in hits:
            if hit.listing_id in pushed:
                continue  # already pushed at once by an instant subscription
            if hit.listing_id not in names:
                listings.append(hit.listing)
                names[hit.listing_id] = []
            names[hit.listing_id].append(hit.subscription.name)
        if not listings or not user.is_active:
            return False
        with translation.override(user.message_language):
            title, body = _digest_message(frequency, listings, names)
        notify(
            users=[user],
            topic=Notification.Topic.SUBSCRIPTION,
            title=title,
            body=body,
            url=reverse("subscriptions:list"),
        )
        return True


def subscription_send_digests(*, frequency: str) -> int:
    """One digest per person with new hits of a daily or weekly subscription; returns the count.

    Hits of paused subscriptions and of listings no longer live are consumed without being
    listed. A second run finds every hit claimed and sends nothing.
    """
    if frequency not in (Frequency.DAILY, Frequency.WEEKLY):
        raise ValueError(f"no digest for frequency {frequency!r}")
    user_ids = (
        SubscriptionHit.objects.filter(digested_at__isnull=True, subscription__frequency=frequency)
        .values_list("subscription__user_id", flat=True)
        .distinct()
        .order_by()
    )
    users = get_user_model().objects.filter(pk__in=list(user_ids)).order_by("pk")
    return sum(_digest_user(user=user, frequency=frequency) for user in users)
