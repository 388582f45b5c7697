"""Turn the team-written demo content into rows, through the same services users go through."""

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.demo import demo_clock
from organizations.models import Membership, Organization
from organizations.selectors import actor_for
from repositories import services
from repositories.demo import content
from repositories.models import Listing, ListingStatus
from taxonomy.models import CooperationMode, Field, Region

DEMO_PREFIX = "demo-"
RELATION_KEYS = {
    "kind",
    "organization",
    "created_by",
    "cooperation_modes",
    "societies",
    "status",
    "review_note",
}
DECIMAL_FIELDS = {"budget_min", "budget_max", "price", "funding_sought"}


def demo_is_loaded():
    return Listing.objects.filter(external_id__startswith=DEMO_PREFIX).count() >= len(
        content.LISTINGS
    )


@transaction.atomic
def demo_load(*, password):
    """Create the demo organizations, users and listings that are not there yet."""
    regions = {region.code: region for region in Region.objects.all()}
    fields = {field.code: field for field in Field.objects.all()}
    modes = {mode.code: mode for mode in CooperationMode.objects.all()}
    organizations = _organizations(regions, fields)
    users = _users(organizations, password)
    reviewers = _reviewers_by_region(organizations, users)
    existing = set(
        Listing.objects.filter(external_id__startswith=DEMO_PREFIX).values_list(
            "external_id", flat=True
        )
    )
    now = timezone.now()
    for index, spec in enumerate(content.LISTINGS):
        external_id = f"{DEMO_PREFIX}{index:04d}"
        if external_id in existing:
            continue
        author = users[spec["created_by"]]
        organization = organizations[spec["organization"]]
        status = spec.get("status", ListingStatus.PUBLISHED)
        # Published listings were written and reviewed over the past months, as the clock of
        # their services says: date filters and the funnel's months then show something.
        when = (
            now - timedelta(days=(index * 7) % 150, hours=index % 24)
            if status == ListingStatus.PUBLISHED
            else now
        )
        data = {
            key: _value(key, value, fields, regions)
            for key, value in spec.items()
            if key not in RELATION_KEYS
        }
        with demo_clock(when - timedelta(hours=2)):
            listing = services.listing_create(
                kind=spec["kind"],
                actor=actor_for(user=author),
                organization=organization,
                data=data,
                cooperation_modes=[modes[code] for code in spec.get("cooperation_modes", [])],
                societies=[organizations[key] for key in spec.get("societies", [])],
            )
            listing.external_id = external_id
            listing.save(update_fields=["external_id"])
            if status == ListingStatus.DRAFT:
                continue
            services.listing_submit(listing=listing, actor=actor_for(user=author))
        if status == ListingStatus.SUBMITTED:
            continue
        with demo_clock(when):
            services.listing_review(
                listing=listing,
                actor=actor_for(user=reviewers[listing.region.province.code]),
                approve=status == ListingStatus.PUBLISHED,
                note=spec.get("review_note", ""),
            )


def _value(key, value, fields, regions):
    if key == "field":
        return fields[value] if value else None
    if key == "region":
        return regions[value]
    if key in DECIMAL_FIELDS and value is not None:
        return Decimal(str(value))
    if key == "deadline" and value:
        return date.fromisoformat(value)
    return value


def _organizations(regions, fields):
    organizations = {}
    for spec in content.ORGANIZATIONS:
        organization, created = Organization.objects.get_or_create(
            name=spec["name"],
            defaults={
                "kind": spec["kind"],
                "region": regions[spec["region"]],
                "description": spec["description"],
                "contact_name": spec["contact_name"],
                "contact_phone": spec["contact_phone"],
                "credit_code": spec["credit_code"],
                "status": Organization.Status.VERIFIED,
                "reviewed_at": timezone.now(),
            },
        )
        if created:
            organization.fields.set(fields[code] for code in spec["fields"])
        organizations[spec["key"]] = organization
    for spec in content.ORGANIZATIONS:
        if spec["parent"]:
            Organization.objects.filter(pk=organizations[spec["key"]].pk).update(
                parent=organizations[spec["parent"]]
            )
    return organizations


def _users(organizations, password):
    # Hashing is deliberately slow; the demo logins share one password, so hash it once.
    password_hash = make_password(password)
    users = {}
    for spec in content.USERS:
        user, _created = User.objects.get_or_create(
            username=spec["username"],
            defaults={
                "display_name": spec["display_name"],
                "email": spec["email"],
                "password": password_hash,
            },
        )
        Membership.objects.get_or_create(
            user=user,
            organization=organizations[spec["organization"]],
            defaults={"role": spec["role"]},
        )
        users[spec["username"]] = user
    return users


def _reviewers_by_region(organizations, users):
    """Province code → a staff user of that province's CAST office."""
    reviewers = {}
    for spec in content.USERS:
        organization = organizations[spec["organization"]]
        if organization.kind == Organization.Kind.CAST_OFFICE:
            province = organization.region.province.code
            if organization.region.level == Region.Level.PROVINCE or province not in reviewers:
                reviewers[province] = users[spec["username"]]
    return reviewers


def demo_logins():
    """(role, organization, username): the first demo login of each kind of organization, and one
    staff login of each province's CAST office, which reviews that province's listings."""
    memberships = {
        membership.user.username: membership
        for membership in Membership.objects.filter(
            user__username__in=[spec["username"] for spec in content.USERS]
        ).select_related("user", "organization__region")
    }
    rows = {}
    for spec in content.USERS:
        organization = memberships[spec["username"]].organization
        if organization.kind == Organization.Kind.CAST_OFFICE:
            if organization.region.level != Region.Level.PROVINCE:
                continue
            key = (organization.kind, organization.region.code)
        else:
            key = organization.kind
        rows.setdefault(key, (organization.get_kind_display(), organization.name, spec["username"]))
    return list(rows.values())
