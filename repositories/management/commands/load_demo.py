import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from django.utils.translation import gettext as _

from accounts.models import User
from config.env import env
from repositories.demo import content
from repositories.demo.loader import demo_is_loaded, demo_load, demo_logins
from repositories.signals import listing_changes_deferred, listings_bulk_changed


def _column(text, width):
    """The text padded to `width` terminal columns (Chinese characters take two)."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - used, 1)


class Command(BaseCommand):
    help = "Load the team-written demo organizations, logins and listings (idempotent)."

    def execute(self, *args, **options):
        # Loading notifies thousands of times (reviews, matches): nobody is there to read those
        # e-mails, and printed they would bury the logins.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            return super().execute(*args, **options)

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Demo accounts have a published password: load them only with DEBUG on."
            )
        password = env("DEMO_PASSWORD", default="techbridge-demo")
        if demo_is_loaded():
            self.stdout.write("Demo data already loaded.")
        else:
            with listing_changes_deferred():
                demo_load(password=password)
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        # Whatever is not indexed yet is embedded and matched in batches (a minute or two).
        self.stdout.write("Indexing and matching the demo listings…")
        listings_bulk_changed.send(sender=None)
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@techbridge.localhost", password)
        self.stdout.write(
            f"\nDemo logins (password: {password}) at http://127.0.0.1:8000/accounts/login/"
        )
        logins = [(_("platform administrator"), "", "admin"), *demo_logins()]
        for role, organization, username in logins:
            self.stdout.write(f"  {_column(role, 16)}{_column(organization, 46)}{username}")
        self.stdout.write(
            f"  … and {len(content.USERS) + 1 - len(logins)} more: every demo user is listed "
            "in repositories/demo/content.py (USERS)."
        )
