from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from challenges.demo import demo_challenges_load


class Command(BaseCommand):
    help = (
        "Add demo challenges (揭榜挂帅) in every state — a draft, one awaiting vetting, two "
        "open (one hiding its sponsor; one amended, with an answered question and two "
        "applications) and one closed — for demo enterprises (idempotent; run after "
        "load_demo_evaluations)."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo data loads only with DEBUG on.")
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            count = demo_challenges_load()
        self.stdout.write(self.style.SUCCESS(f"Demo challenges: {count}."))
