from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from roadshows.demo import demo_roadshows_load


class Command(BaseCommand):
    help = (
        "Add demo roadshows (路演): a past one with its programme, replays, meetings held and an "
        "accepted intent with its deal, and an upcoming one open for registration (idempotent; "
        "run after load_demo)."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo data loads only with DEBUG on.")
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            count = demo_roadshows_load()
        self.stdout.write(self.style.SUCCESS(f"Demo roadshows: {count}."))
