"""Keeping the search index in step with the database.

A save marks the listing dirty (updated_at passes indexed_at); the repositories announce the
change and matching.receivers ask a worker, once the transaction commits, to index it.
Indexing never fails a save: if the broker or the index is down, the periodic sweep finds the
dirty rows later, and the daily reconciliation compares the index with the database (and
re-embeds vectors of another model).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from matching.matcher import encode, search_documents
from matching.profiles import Profile
from organizations.models import Organization
from repositories.models import (
    MODEL_BY_KIND,
    Achievement,
    Listing,
    ListingKind,
    ListingStatus,
    Need,
    Project,
    Talent,
)
from search.backends import get_backend
from search.backends.base import SearchDocument
from search.documents import MAX_PASSAGES, all_document_ids, owner_id
from search.embedding import encoder
from taxonomy.models import Field

if TYPE_CHECKING:
    import numpy as np

TEAM_KIND = "team"
# Listings embedded together by the sweep.
BATCH = 64
logger = logging.getLogger(__name__)


def joined(*parts: str | None) -> str:
    return "。".join(part.strip() for part in parts if part and part.strip())


def _field_names(field: Field | None) -> list[str]:
    return [node.name for node in field.lineage()[1:]] if field else []


def listing_profile(listing: Need | Achievement | Project | Talent) -> Profile:
    """The matcher's view of a listing (its child row: Need, Achievement…)."""
    kind = listing.kind
    field_names = _field_names(listing.field)
    title = listing.title
    if kind == ListingKind.NEED:
        passages = [joined(title, listing.problem, listing.background, listing.target_indicators)]
    elif kind == ListingKind.ACHIEVEMENT:
        passages = [
            joined(
                title,
                "-".join(field_names),
                listing.description,
                listing.innovation_points,
                listing.application_scenarios,
            )
        ]
    elif kind == ListingKind.PROJECT:
        passages = [
            joined(title, "-".join(field_names), listing.description, listing.needs_description)
        ]
    else:
        # An expert: their profile, and each representative project on its own line.
        title = ""
        passages = [
            joined(
                listing.disciplines,
                listing.research_interests,
                listing.representative_achievements,
            )
        ]
        passages += [
            line.strip() for line in listing.representative_projects.splitlines() if line.strip()
        ]
    region = listing.region
    return Profile(
        id=f"{kind}:{listing.pk}",
        kind=kind,
        passages=[p for p in passages if p][:MAX_PASSAGES] or [listing.title],
        title=title,
        organization=str(listing.organization_id),
        fields=tuple(node.code for node in listing.field.lineage()) if listing.field else (),
        region=region.code,
        province=region.province.code,
        cooperation_modes=frozenset(mode.code for mode in listing.cooperation_modes.all()),
        maturity=getattr(listing, "maturity", None),
        maturity_wanted=getattr(listing, "maturity_wanted", None),
        published=listing.published_at.date() if listing.published_at else None,
        completeness=listing.completeness,
        extra={"pk": listing.pk, "region_id": listing.region_id},
    )


def team_profile(team: Organization) -> Profile:
    """An expert service team, matched by what it says it does and its fields."""
    fields = list(team.fields.all())
    names = [name for field in fields for name in _field_names(field)]
    return Profile(
        id=f"{TEAM_KIND}:{team.pk}",
        kind=TEAM_KIND,
        passages=[joined(team.name, team.description, " ".join(names))],
        title=team.name,
        organization=str(team.pk),
        fields=tuple(node.code for node in fields[0].lineage()) if fields else (),
        region=team.region.code,
        province=team.region.province.code,
        extra={"pk": team.pk, "region_id": team.region_id},
    )


def _listings(kind, pks):
    return (
        MODEL_BY_KIND[kind]
        .objects.live()
        .filter(pk__in=pks)
        .select_related("field__parent__parent", "region__parent")
        .prefetch_related("cooperation_modes")
    )


def _teams(pks: list[int]) -> QuerySet[Organization]:
    return (
        Organization.objects.filter(
            pk__in=pks, kind=Organization.Kind.SERVICE_TEAM, status=Organization.Status.VERIFIED
        )
        .select_related("region__parent")
        .prefetch_related("fields__parent__parent")
    )


def profiles_lookup(ids: Iterable[str]) -> dict[str, Profile]:
    """{index id: Profile} for those ids still matchable: live listings, verified teams."""
    wanted: dict[str, list[int]] = {}
    for index_id in ids:
        kind, _, pk = index_id.partition(":")
        if pk.isdigit():
            wanted.setdefault(kind, []).append(int(pk))
    profiles: dict[str, Profile] = {}
    for kind, pks in wanted.items():
        if kind == TEAM_KIND:
            profiles.update((p.id, p) for p in map(team_profile, _teams(pks)))
        elif kind in ListingKind.values:
            profiles.update((p.id, p) for p in map(listing_profile, _listings(kind, pks)))
    return profiles


def _put(profile: Profile) -> None:
    # Embedded before the write, which swaps the old documents for the new at once.
    documents = list(search_documents([profile]))
    get_backend().replace(all_document_ids(profile.id), documents)


def index_listing(listing_id: int) -> bool:
    """Index the listing if it is live, else take it out; True if it is now in the index."""
    listing = Listing.objects.filter(pk=listing_id).first()
    if listing is None:
        get_backend().delete(
            [i for kind in ListingKind.values for i in all_document_ids(f"{kind}:{listing_id}")]
        )
        return False
    started = timezone.now()
    profile = next(iter(profiles_lookup([f"{listing.kind}:{listing.pk}"]).values()), None)
    if profile is None:
        get_backend().delete(all_document_ids(f"{listing.kind}:{listing.pk}"))
    else:
        _put(profile)
    Listing.objects.filter(pk=listing_id).update(indexed_at=started)
    return profile is not None


def index_dirty_listings(
    limit: int | None, *, progress: Callable[[int], object] | None = None
) -> list[int]:
    """Index up to `limit` dirty listings, embedding them in batches (and take out those no
    longer live); returns the ids handled, whose matches are due for a refresh."""
    handled = []
    ids = dirty_listing_ids(limit)
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        started = timezone.now()
        kinds = dict(Listing.objects.filter(pk__in=batch).values_list("pk", "kind"))
        profiles = profiles_lookup([f"{kinds[pk]}:{pk}" for pk in batch if pk in kinds])
        documents = list(search_documents(profiles.values()))
        get_backend().replace(
            [i for pk in batch if pk in kinds for i in all_document_ids(f"{kinds[pk]}:{pk}")],
            documents,
        )
        Listing.objects.filter(pk__in=batch).update(indexed_at=started)
        handled += batch
        if progress:
            progress(len(batch))
    return handled


def query_vectors(listing_ids: Iterable[int]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """{listing id: (its text, its title) embedded as queries} for those of the ids that are
    live (the text stands for a missing title)."""
    kinds = dict(Listing.objects.filter(pk__in=listing_ids).values_list("pk", "kind"))
    profiles = list(profiles_lookup([f"{kind}:{pk}" for pk, kind in kinds.items()]).values())
    if not profiles:
        return {}
    texts = [p.text for p in profiles]
    titled = [p for p in profiles if p.title]
    vectors = encode(texts + [p.title for p in titled], role="query")
    titles = dict(zip((p.id for p in titled), vectors[len(texts) :], strict=True))
    return {
        p.extra["pk"]: (vector, titles.get(p.id, vector))
        for p, vector in zip(profiles, vectors[: len(texts)], strict=True)
    }


def index_team(organization_id: int) -> bool:
    started = timezone.now()
    profile = next(iter(profiles_lookup([f"{TEAM_KIND}:{organization_id}"]).values()), None)
    if profile is None:
        get_backend().delete(all_document_ids(f"{TEAM_KIND}:{organization_id}"))
    else:
        _put(profile)
    Organization.objects.filter(pk=organization_id).update(indexed_at=started)
    return profile is not None


def _dirty() -> Q:
    return Q(indexed_at__isnull=True) | Q(indexed_at__lt=F("updated_at"))


def dirty_listing_ids(limit: int | None) -> list[int]:
    """Listings changed since they were last indexed (never-published drafts need nothing)."""
    return list(
        Listing.objects.filter(_dirty())
        .exclude(status=ListingStatus.DRAFT, indexed_at__isnull=True)
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )


def dirty_team_ids(limit: int | None) -> list[int]:
    return list(
        Organization.objects.filter(_dirty(), kind=Organization.Kind.SERVICE_TEAM)
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )


def index_reconcile() -> tuple[int, int]:
    """Compare the index with the database: drop what should not be there, mark dirty what is
    missing or was embedded by another model. Returns (removed, marked)."""
    backend = get_backend()
    documents = defaultdict(list)
    for document_id in backend.ids():
        documents[owner_id(document_id)].append(document_id)
    expected = {f"{kind}:{pk}" for kind, pk in Listing.objects.live().values_list("kind", "pk")} | {
        f"{TEAM_KIND}:{pk}"
        for pk in Organization.objects.filter(
            kind=Organization.Kind.SERVICE_TEAM, status=Organization.Status.VERIFIED
        ).values_list("pk", flat=True)
    }
    stale = set(documents) - expected
    backend.delete([i for owner in stale for i in documents[owner]])
    present = expected & set(documents)
    current = backend.get_vectors(
        [i for owner in present for i in documents[owner]], model=encoder.model_id()
    )
    outdated = {
        o
        for o in present
        if any(i not in current for i in documents[o])
        # Its text (not only its title) must be there.
        or not {o, f"{o}#0"} & set(documents[o])
    }
    missing = (expected - set(documents)) | outdated
    pks = defaultdict(list)
    for index_id in missing:
        kind, _, pk = index_id.partition(":")
        pks[kind == TEAM_KIND].append(int(pk))
    Listing.objects.filter(pk__in=pks[False]).update(indexed_at=None)
    Organization.objects.filter(pk__in=pks[True]).update(indexed_at=None)
    return len(stale), len(missing)


def index_documents() -> Iterator[SearchDocument]:
    """Every document the index should hold, for a rebuild."""
    for kind in ListingKind.values:
        pks = Listing.objects.live().filter(kind=kind).values_list("pk", flat=True)
        batch = []
        for pk in pks.iterator():
            batch.append(pk)
            if len(batch) == 64:
                yield from search_documents(map(listing_profile, _listings(kind, batch)))
                batch = []
        if batch:
            yield from search_documents(map(listing_profile, _listings(kind, batch)))
    teams = Organization.objects.filter(
        kind=Organization.Kind.SERVICE_TEAM, status=Organization.Status.VERIFIED
    ).values_list("pk", flat=True)
    yield from search_documents(map(team_profile, _teams(list(teams))))
