from django.core.management.base import BaseCommand

from credit.services import credit_rebuild


class Command(BaseCommand):
    help = (
        "Recompute every organization's credit standing from the outcome log (run daily: "
        "standings age, and hidden reviews become visible, without new events)."
    )

    def handle(self, *args, **options):
        count = credit_rebuild()
        self.stdout.write(f"{count} standings recomputed")
