from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from service_teams.demo import demo_service_teams_load


class Command(BaseCommand):
    help = (
        "Add demo expert service teams (members, stations), three pilot cities with targets, "
        "missions in every status and assessments, for the demo societies and enterprises "
        "(idempotent; run after load_demo)."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo data loads only with DEBUG on.")
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            count = demo_service_teams_load()
        self.stdout.write(self.style.SUCCESS(f"Demo service missions: {count}."))
