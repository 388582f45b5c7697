import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts.models import User
from config.env import env
from matching import indexing
from matching.tasks import index_and_match_dirty
from repositories.demo import content
from repositories.demo.loader import demo_is_loaded, demo_load, demo_logins


class Command(BaseCommand):
    help = "Load the team-written demo organizations, logins and listings (idempotent)."

    def _index(self):
        """Embed the demo listings and propose their matches (a minute or two on a CPU)."""
        pending = len(indexing.dirty_listing_ids(limit=None))
        if not pending:
            return
        self.stdout.write(f"Indexing and matching {pending} demo listings…")
        with tqdm(total=pending, unit="listing", file=sys.stderr, disable=None) as bar:
            index_and_match_dirty(limit=None, progress=bar.update)

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Demo accounts have a published password: load them only with DEBUG on."
            )
        password = env("DEMO_PASSWORD", default="techbridge-demo")
        if demo_is_loaded():
            self.stdout.write("Demo data already loaded.")
        else:
            with indexing.deferred():
                demo_load(password=password)
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self._index()
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@techbridge.localhost", password)
        self.stdout.write(
            f"\nDemo logins (password: {password}) at http://127.0.0.1:8000/accounts/login/"
        )
        self.stdout.write(f"  {'platform administrator':<32} admin")
        for role, organization, username in demo_logins():
            self.stdout.write(f"  {role:<16} {organization:<24} {username}")
        self.stdout.write(
            f"  … and {len(content.USERS) - len(demo_logins())} more: every demo user is listed "
            "in repositories/demo/content.py (USERS)."
        )
