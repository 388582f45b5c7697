import time

from django.core.management.base import BaseCommand

from analytics.services import statistics_rebuild


class Command(BaseCommand):
    help = (
        "Recompute the statistics (each need's and each deal's journey) from the outcome log. "
        "On PostgreSQL, events recorded meanwhile wait for it to finish."
    )

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=20_000)

    def handle(self, *args, chunk_size, **options):
        started = time.perf_counter()
        result = statistics_rebuild(chunk_size=chunk_size)
        self.stdout.write(
            f"{result.events} events → {result.needs} needs, {result.deals} deals "
            f"in {time.perf_counter() - started:.1f} s"
        )
