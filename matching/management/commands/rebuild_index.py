"""Rebuild the search index from the database (atomic: searches see the old index until the
new one is complete), then optionally propose matches for every live listing again.

    python manage.py rebuild_index [--rematch]
"""

import sys
import time

from django.core.management.base import BaseCommand
from django.utils import timezone
from tqdm import tqdm

from matching.indexing import index_documents
from matching.services import matches_refresh
from organizations.models import Organization
from repositories.models import Listing
from search.backends import get_backend


class Command(BaseCommand):
    help = "Rebuild the search index from the database; --rematch proposes matches again."

    def add_arguments(self, parser):
        parser.add_argument("--rematch", action="store_true", help="refresh every live match")

    def handle(self, *args, rematch, **options):
        started = timezone.now()
        began = time.perf_counter()
        total = Listing.objects.live().count()
        with tqdm(total=total, unit="doc", file=sys.stderr, disable=None) as bar:

            def counted():
                for document in index_documents():
                    if "@" not in document.id and "#" not in document.id:
                        bar.update(1)
                    yield document

            get_backend().rebuild(counted())
        Listing.objects.update(indexed_at=started)
        Organization.objects.filter(kind=Organization.Kind.SERVICE_TEAM).update(indexed_at=started)
        self.stdout.write(
            f"Indexed {get_backend().count()} documents in {time.perf_counter() - began:.1f} s."
        )
        if rematch:
            live = Listing.objects.live().values_list("pk", flat=True)
            for listing_id in tqdm(list(live), unit="listing", file=sys.stderr, disable=None):
                matches_refresh(listing_id=listing_id)
