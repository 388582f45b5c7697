from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from evaluations.demo import demo_evaluations_load


class Command(BaseCommand):
    help = (
        "Add demo achievement evaluations in every state — being set up, panel scoring, report "
        "issued, final, appealed and upheld — on demo achievements (idempotent; run after "
        "load_demo_orders)."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo data loads only with DEBUG on.")
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            count = demo_evaluations_load()
        self.stdout.write(self.style.SUCCESS(f"Demo evaluations: {count}."))
