import os
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from accounts.models import User
from organizations.models import Membership, Organization
from repositories.importing import SOURCES, RejectedRowsReport, listings_import, read_rows
from repositories.models import ListingKind, ListingStatus
from repositories.signals import listing_changes_deferred, listings_bulk_changed

FILE_KINDS = {"needs": ListingKind.NEED, "achievements": ListingKind.ACHIEVEMENT}


class Command(BaseCommand):
    help = (
        "Import technical needs and achievements from .jsonl or .csv files (or pipes), or from "
        "a folder holding needs.* and achievements.*. Rows are keyed by external id: importing "
        "again updates instead of duplicating. Every rejected row is reported with its line, "
        "field and problem, and written to the report (TSV) as soon as it is rejected."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="+", help="files, or folders with needs.jsonl/achievements.jsonl"
        )
        parser.add_argument(
            "--kind", choices=list(FILE_KINDS.values()), help="kind of every file given"
        )
        parser.add_argument(
            "--organization", required=True, help="owner organization: id or exact name"
        )
        parser.add_argument(
            "--user", help="username recorded as author (default: an org administrator)"
        )
        parser.add_argument(
            "--status",
            default=ListingStatus.PUBLISHED,
            choices=[ListingStatus.PUBLISHED, ListingStatus.SUBMITTED, ListingStatus.DRAFT],
        )
        parser.add_argument(
            "--source", choices=sorted(SOURCES), help="column layout (default: detect)"
        )
        parser.add_argument(
            "--report",
            type=Path,
            help="the TSV file of rejected rows, written as they are found "
            "(default: a new file in IMPORT_REPORT_DIR)",
        )
        parser.add_argument(
            "--no-index",
            action="store_true",
            help="leave indexing and matching to the workers' periodic sweep",
        )

    def handle(self, *args, **options):
        organization = self._organization(options["organization"])
        user = self._user(organization, options["user"])
        if options["status"] != ListingStatus.DRAFT and not organization.is_verified:
            raise CommandError(f"{organization} is not verified; import as --status draft.")
        source = SOURCES.get(options["source"])
        files = self._files(options["paths"], options["kind"])
        report_path = options["report"] or self._default_report()
        try:
            report = RejectedRowsReport(report_path)
        except OSError as error:
            raise CommandError(f"Cannot write the report {report_path}: {error}") from None
        # Said first, and flushed: an import stopped midway leaves its rejected rows there.
        self.stdout.write(f"Rejected rows go to {report.path}, each as soon as it is rejected.")
        self.stdout.flush()
        rejected = []
        with report:
            for path, kind in files:
                rejected += self._import_file(
                    path, kind, options, organization, user, source, report
                )
        for name, rejection in rejected[:20]:
            self.stdout.write(
                f"  rejected {name}:{rejection.line} [{rejection.external_id}] "
                f"{rejection.field}: {rejection.problem}"
            )
        if len(rejected) > 20:
            self.stdout.write(f"  … and {len(rejected) - 20} more")
        self.stdout.write(f"{report.rows} rejected rows in {report.path}")
        if not options["no_index"]:
            self._index()

    def _import_file(self, path, kind, options, organization, user, source, report):
        """Import one file; returns its [(file name, Rejection)]."""
        total = None
        if path.is_file():  # a pipe is read once, as it comes
            with path.open(encoding="utf-8") as handle:
                total = sum(1 for _ in handle) - (1 if path.suffix == ".csv" else 0)
        started = time.perf_counter()
        with (
            tqdm(total=total, desc=path.name, unit="row", file=sys.stderr, disable=None) as bar,
            listing_changes_deferred(),
        ):
            result = listings_import(
                rows=read_rows(path),
                kind=kind,
                organization=organization,
                user=user,
                status=options["status"],
                source=source,
                progress=lambda: bar.update(1),
                on_reject=lambda rejections: report.add(path.name, rejections),
            )
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"{path.name}: {result.total} rows, {result.created} created, "
            f"{result.updated} updated, "
            f"{result.unchanged} unchanged, {result.rejected_rows} rejected "
            f"in {seconds:.1f} s ({result.total / seconds:.0f} rows/s)"
        )
        return [(path.name, rejection) for rejection in result.rejected]

    @staticmethod
    def _default_report():
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        return Path(settings.IMPORT_REPORT_DIR) / f"rejected-{stamp}-{os.getpid()}.tsv"

    def _index(self):
        """Imported rows were left unindexed: announce them together, so that they are
        embedded and matched in batches (by a worker if there is one, here and now if not)."""
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            self.stdout.write("The workers index and match the imported listings.")
        else:
            self.stdout.write("Indexing and matching the imported listings…")
        listings_bulk_changed.send(sender=None)

    def _organization(self, value):
        lookup = {"pk": int(value)} if value.isdigit() else {"name": value}
        try:
            return Organization.objects.get(**lookup)
        except Organization.DoesNotExist:
            raise CommandError(f"No organization {value!r}.") from None

    def _user(self, organization, username):
        if username:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user {username!r}.")
            return user
        admin = (
            Membership.objects.filter(
                organization=organization,
                role=Membership.Role.ADMIN,
                status=Membership.Status.ACTIVE,
            )
            .select_related("user")
            .first()
        )
        if admin is None:
            raise CommandError(f"{organization} has no administrator; pass --user.")
        return admin.user

    def _files(self, paths, kind):
        files = []
        for raw in paths:
            path = Path(raw)
            if path.is_dir():
                for stem, file_kind in FILE_KINDS.items():
                    for suffix in (".jsonl", ".csv"):
                        if (path / f"{stem}{suffix}").exists():
                            files.append((path / f"{stem}{suffix}", file_kind))
            elif path.exists():  # a file, or a pipe
                file_kind = kind or next(
                    (k for stem, k in FILE_KINDS.items() if path.name.startswith(stem)), None
                )
                if file_kind is None:
                    raise CommandError(f"Say --kind for {path.name}.")
                files.append((path, file_kind))
            else:
                raise CommandError(f"No such file or folder: {raw}")
        if not files:
            raise CommandError("No needs.* or achievements.* files found.")
        return files
