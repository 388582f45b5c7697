"""What the publish benchmarks share: the crawled listings, the parties that publish, the CPU."""

import json
import os
from pathlib import Path
from types import SimpleNamespace

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "listings"


def read_jsonl(path, count):
    """The first `count` rows of a crawled listings file that have a name and a text."""
    rows = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if row.get("context") and row.get("name"):
                rows.append(row)
            if len(rows) == count:
                break
    return rows


def publishing_parties(region):
    """A verified university and enterprise with an admin each, and a CAST office with a staff
    member, all in `region` (call after django.setup())."""
    from accounts.models import User
    from organizations.models import Membership, Organization

    def organization(name, kind):
        org = Organization.objects.create(
            name=name,
            kind=kind,
            region=region,
            contact_name="测试",
            contact_phone="13800000000",
            status=Organization.Status.VERIFIED,
        )
        user = User.objects.create_user(username=f"u{org.pk}", password="x" * 12)
        Membership.objects.create(user=user, organization=org, role=Membership.Role.ADMIN)
        return org, user

    university, professor = organization("基准测试大学", Organization.Kind.INSTITUTION)
    enterprise, engineer = organization("基准测试企业", Organization.Kind.ENTERPRISE)
    office, _ = organization("杭州市科协（基准）", Organization.Kind.CAST_OFFICE)
    staff = User.objects.create_user(username="staff", password="x" * 12)
    Membership.objects.create(user=staff, organization=office, role=Membership.Role.MEMBER)
    return SimpleNamespace(
        university=university,
        professor=professor,
        enterprise=enterprise,
        engineer=engineer,
        office=office,
        staff=staff,
    )


def cpu_flags_line() -> str:
    """The CPU and the flags that decide its speed here (search.embedding.encoder reads the same
    /proc/cpuinfo to choose bf16)."""
    from search.embedding.encoder import cpu_flags

    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown CPU",
    )
    wanted = [
        "avx2",
        "fma",
        "avx512f",
        "avx512_vnni",
        "avx_vnni",
        "avx512_bf16",
        "amx_bf16",
        "amx_int8",
    ]
    flags = cpu_flags()
    shown = " ".join(f"{flag}{'+' if flag in flags else '-'}" for flag in wanted)
    return f"{model}, {os.cpu_count()} CPUs: {shown}"
