from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from orders.demo import demo_orders_load


class Command(BaseCommand):
    help = (
        "Add demo service orders in every status and requests for quotes between the demo "
        "enterprises and providers (idempotent; run after load_demo_offerings)."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo data loads only with DEBUG on.")
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            count = demo_orders_load()
        self.stdout.write(self.style.SUCCESS(f"Demo orders: {count}."))
