from django.core.management.base import BaseCommand

from webhooks.tasks import retry_due_webhooks


class Command(BaseCommand):
    help = (
        "Send the webhook deliveries whose next attempt is overdue (run it from cron when there "
        "is no Celery beat, as in the embedded setup)."
    )

    def handle(self, *args, **options):
        count = retry_due_webhooks()
        self.stdout.write(f"{count} webhook deliveries enqueued.")
