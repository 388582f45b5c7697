from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from conversations.demo import demo_conversations_load


class Command(BaseCommand):
    help = (
        "Add demo contact requests and conversations between the demo organizations (idempotent)."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo data loads only with DEBUG on.")
        # Nobody reads the demo's e-mails.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            count = demo_conversations_load()
        self.stdout.write(self.style.SUCCESS(f"Demo conversations: {count}."))
