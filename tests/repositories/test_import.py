import csv
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from repositories.importing import CHUNK_ROWS
from repositories.models import Achievement, Listing, ListingStatus, Need
from tests.factories import OrganizationFactory, member_of

pytestmark = pytest.mark.django_db

LISTINGS = Path(__file__).resolve().parents[3] / "shared" / "data" / "listings"


@pytest.fixture(autouse=True)
def _reports_in_tmp(settings, tmp_path):
    """Reports written without --report go to this test's folder."""
    settings.IMPORT_REPORT_DIR = tmp_path / "imports"


def _rows(name):
    with (LISTINGS / name).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


@pytest.fixture
def importer():
    organization = OrganizationFactory(name="技术市场数据")
    member_of(organization)
    return organization


def _read_report(path):
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_imports_the_shared_market_listings_and_reports_every_rejected_row(
    importer, tmp_path, capsys
):
    needs, achievements = _rows("needs.jsonl"), _rows("achievements.jsonl")
    assert len(needs) + len(achievements) == 4541

    def incomplete(row, text_field):
        return {
            field
            for field, key in (("title", "name"), (text_field, "context"))
            if not (row.get(key) or "").strip()
        }

    expected_rejections = {
        (r["id"], field) for r in needs for field in incomplete(r, "problem")
    } | {(r["id"], field) for r in achievements for field in incomplete(r, "description")}
    report = tmp_path / "rejected.tsv"

    call_command(
        "import_listings",
        str(LISTINGS),
        organization=importer.name,
        report=str(report),
        no_index=True,
    )

    rejected = _read_report(report)
    assert {(row["external_id"], row["field"]) for row in rejected} == expected_rejections
    assert all(row["problem"] == "missing or empty" for row in rejected)
    assert all(int(row["line"]) >= 1 for row in rejected)
    rejected_ids = {external_id for external_id, _ in expected_rejections}
    assert Need.objects.count() == sum(1 for r in needs if r["id"] not in rejected_ids)
    assert Achievement.objects.count() == sum(
        1 for r in achievements if r["id"] not in rejected_ids
    )
    assert Listing.objects.live().count() == Listing.objects.count()
    output = capsys.readouterr().out
    assert "rows/s" in output

    # Market fields become platform fields.
    sample = next(r for r in achievements if r["maturity"] == "可以量产" and r["context"])
    stored = Achievement.objects.get(external_id=sample["id"])
    assert stored.maturity == 8
    assert stored.description == sample["context"]
    assert timezone.localdate(stored.published_at).isoformat() == sample["postTime"]
    glued = next(
        r for r in achievements if r["cooperationMethod"] == "完全转让许可转让" and r["context"]
    )
    assert set(
        Achievement.objects.get(external_id=glued["id"]).cooperation_modes.values_list(
            "code", flat=True
        )
    ) == {"transfer", "license"}

    # Importing again changes nothing and duplicates nothing.
    total = Listing.objects.count()
    call_command(
        "import_listings", str(LISTINGS / "needs.jsonl"), organization=importer.name, no_index=True
    )
    assert Listing.objects.count() == total
    assert "0 created, 0 updated" in capsys.readouterr().out


def _write_csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


GOOD = {
    "external_id": "n-1",
    "title": "污水处理厂污泥减量化技术需求",
    "summary": "寻求污泥减量与资源化技术。",
    "problem": "污泥含水率高，处置费用大。",
    "field": "",
    "region": "330100",
    "cooperation_modes": "委托开发,技术服务",
    "budget_min": "50",
    "budget_max": "100",
    "deadline": "2030-01-01",
}


def test_csv_in_the_platform_layout_with_bad_rows(importer, tmp_path):
    rows = [
        GOOD,
        {**GOOD, "external_id": "n-2", "region": "999999"},
        {**GOOD, "external_id": "n-3", "cooperation_modes": "以物易物"},
        {**GOOD, "external_id": "n-4", "budget_min": "很多"},
        {**GOOD, "external_id": "n-5", "budget_min": "200"},
        {**GOOD, "external_id": "", "title": "没有编号的行"},
        {**GOOD, "external_id": "n-7", "deadline": "明年"},
    ]
    path = tmp_path / "needs.csv"
    _write_csv(path, rows)
    report = tmp_path / "report.tsv"

    call_command("import_listings", str(path), organization=importer.name, report=str(report))

    assert {(r["line"], r["field"]) for r in _read_report(report)} == {
        ("3", "region"),
        ("4", "cooperation_modes"),
        ("5", "budget_min"),
        ("6", "budget_max"),
        ("7", "external_id"),
        ("8", "deadline"),
    }
    need = Need.objects.get()
    assert (need.external_id, need.status) == ("n-1", ListingStatus.PUBLISHED)
    assert sorted(need.cooperation_modes.values_list("code", flat=True)) == [
        "commissioned_development",
        "technical_service",
    ]
    assert need.revisions.get().action == "imported"


def test_a_rejected_row_leaves_nothing_behind(importer, tmp_path):
    path = tmp_path / "needs.jsonl"
    path.write_text(
        json.dumps({**GOOD, "budget_min": "200"}, ensure_ascii=False) + "\n" + "{not json\n",
        encoding="utf-8",
    )
    report = tmp_path / "report.tsv"
    call_command("import_listings", str(path), organization=importer.name, report=str(report))
    assert Listing.objects.count() == 0
    assert [(r["line"], r["field"]) for r in _read_report(report)] == [
        ("1", "budget_max"),
        ("2", "line"),
    ]


def test_reimport_updates_changed_rows(importer, tmp_path):
    path = tmp_path / "needs.csv"
    _write_csv(path, [GOOD])
    call_command("import_listings", str(path), organization=importer.name)
    _write_csv(path, [{**GOOD, "title": "污泥减量化与资源化技术需求"}])
    call_command("import_listings", str(path), organization=importer.name)
    need = Need.objects.get()
    assert need.title == "污泥减量化与资源化技术需求"
    assert need.revisions.first().changes["title"] == [GOOD["title"], need.title]


def test_an_external_id_of_another_organization_is_refused(importer, tmp_path):
    other = OrganizationFactory()
    member_of(other)
    path = tmp_path / "needs.csv"
    _write_csv(path, [GOOD])
    call_command("import_listings", str(path), organization=importer.name)
    report = tmp_path / "report.tsv"
    call_command("import_listings", str(path), organization=other.name, report=str(report))
    assert [r["field"] for r in _read_report(report)] == ["external_id"]
    assert Need.objects.get().organization == importer


def test_command_errors_are_clear(importer, tmp_path):
    with pytest.raises(CommandError, match="No organization"):
        call_command("import_listings", str(tmp_path), organization="不存在的机构")
    with pytest.raises(CommandError, match="No needs"):
        call_command("import_listings", str(tmp_path), organization=importer.name)
    odd = tmp_path / "rows.jsonl"
    odd.write_text("{}\n", encoding="utf-8")
    with pytest.raises(CommandError, match="--kind"):
        call_command("import_listings", str(odd), organization=importer.name)


def test_the_report_is_named_first_and_kept_by_default(importer, tmp_path):
    path = tmp_path / "needs.jsonl"
    path.write_text("{not json\n", encoding="utf-8")
    out = io.StringIO()
    call_command("import_listings", str(path), organization=importer.name, stdout=out)
    (report,) = (tmp_path / "imports").glob("rejected-*.tsv")
    lines = out.getvalue().splitlines()
    assert lines[0] == f"Rejected rows go to {report}, each as soon as it is rejected."
    assert lines[-2:] == [
        f"1 rejected rows in {report}",
        "Indexing and matching the imported listings…",
    ]
    assert [(r["file"], r["line"], r["field"]) for r in _read_report(report)] == [
        ("needs.jsonl", "1", "line")
    ]


# A database of its own for the import run in another process (the test's is in memory).
SETUP = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from tests.factories import OrganizationFactory, member_of
member_of(OrganizationFactory(name="技术市场数据"))
"""


def _bad_rows():
    """CHUNK_ROWS rows, one in four rejected (one of them for two problems at once), and
    the rejections expected of them: (line, external_id, field, problem)."""
    lines, expected = [], []
    for number in range(1, CHUNK_ROWS + 1):
        row = {**GOOD, "external_id": f"n-{number}"}
        if number % 4 == 1:
            row["title"] = ""
            expected.append((str(number), f"n-{number}", "title", "missing or empty"))
        if number == 5:
            row["summary"] = ""
            expected.append((str(number), "n-5", "summary", "missing or empty"))
        if number % 4 == 3 and number > 100:
            lines.append("{not json")
            expected.append(
                (
                    str(number),
                    "",
                    "line",
                    "not valid JSON (Expecting property name enclosed in double quotes)",
                )
            )
            continue
        lines.append(json.dumps(row, ensure_ascii=False))
    return "".join(line + "\n" for line in lines), expected


def _open_for_writing(fifo, process):
    """The pipe's writing end, once the import opened it for reading."""
    deadline = time.monotonic() + 120
    while True:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            assert process.poll() is None, "the import stopped before reading its input"
            assert time.monotonic() < deadline, "the import never opened its input"
            time.sleep(0.05)
            continue
        os.set_blocking(fd, True)
        return os.fdopen(fd, "w", encoding="utf-8")


def _wait_for_lines(path, count, process):
    """The report's text once it holds `count` whole lines (the header included)."""
    deadline = time.monotonic() + 120
    while True:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        if text.count("\n") >= count:
            return text
        assert process.poll() is None, "the import stopped"
        assert time.monotonic() < deadline, f"the report holds {text.count(chr(10))} lines"
        time.sleep(0.05)


def test_a_killed_import_keeps_every_row_it_rejected(tmp_path):
    """kill -9 in the middle of an import: the report, named at the start, holds every row
    rejected so far, in whole lines. The input is a pipe that the test keeps open, so the
    import is surely still running (waiting for more rows) when it is killed."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": "",
    }
    root = django_settings.BASE_DIR
    subprocess.run([sys.executable, "-c", SETUP], env=environment, cwd=root, check=True)
    fifo, report = tmp_path / "needs.jsonl", tmp_path / "rejected.tsv"
    os.mkfifo(fifo)
    text, expected = _bad_rows()
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "import_listings",
            str(fifo),
            "--organization",
            "技术市场数据",
            "--report",
            str(report),
            "--no-index",
        ],
        env=environment,
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        writer = _open_for_writing(fifo, process)
        # A first chunk of rows, then nothing more: the import rejects what it must and
        # waits for the rest.
        writer.write(text)
        writer.flush()
        written = _wait_for_lines(report, 1 + len(expected), process)
        process.kill()
        assert process.wait(timeout=30) == -9
        writer.close()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert (
        process.stdout.readline()
        == f"Rejected rows go to {report}, each as soon as it is rejected.\n"
    )
    assert report.read_text(encoding="utf-8") == written
    assert written.endswith("\n")
    rows = list(csv.reader(io.StringIO(written, newline=""), delimiter="\t"))
    assert rows[0] == ["file", "line", "external_id", "field", "problem"]
    assert [tuple(row) for row in rows[1:]] == [("needs.jsonl", *row) for row in expected]
