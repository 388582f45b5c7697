"""Load the technical fields, regions and cooperation modes from taxonomy/data."""

import json
from pathlib import Path

from django.db import migrations

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def read(name):
    with open(DATA_DIR / name, encoding="utf-8") as handle:
        return json.load(handle)


def load_tree(model, rows, extra_fields=()):
    """Create rows level by level, so every parent exists before its children."""
    by_code = {}
    for level in sorted({row["level"] for row in rows}):
        objs = [
            model(
                code=row["code"],
                name=row["name"],
                name_en=row.get("name_en", ""),
                level=row["level"],
                parent_id=by_code[row["parent"]] if row["parent"] else None,
                **{field: row.get(field, "") for field in extra_fields},
            )
            for row in rows
            if row["level"] == level
        ]
        model.objects.bulk_create(objs)
        codes = [obj.code for obj in objs]
        by_code.update(model.objects.filter(code__in=codes).values_list("code", "id"))


def load(apps, schema_editor):
    Field = apps.get_model("taxonomy", "Field")
    Region = apps.get_model("taxonomy", "Region")
    CooperationMode = apps.get_model("taxonomy", "CooperationMode")

    load_tree(Field, read("fields.json"), extra_fields=("keywords",))
    load_tree(Region, read("regions.json"))
    CooperationMode.objects.bulk_create(
        CooperationMode(
            code=row["code"], name=row["name"], name_en=row["name_en"], position=row["position"]
        )
        for row in read("cooperation_modes.json")
    )


def unload(apps, schema_editor):
    Field = apps.get_model("taxonomy", "Field")
    Region = apps.get_model("taxonomy", "Region")
    CooperationMode = apps.get_model("taxonomy", "CooperationMode")

    CooperationMode.objects.filter(
        code__in=[row["code"] for row in read("cooperation_modes.json")]
    ).delete()
    # Children first: the parent foreign keys are PROTECT.
    for model, name in ((Field, "fields.json"), (Region, "regions.json")):
        rows = read(name)
        for level in sorted({row["level"] for row in rows}, reverse=True):
            codes = [row["code"] for row in rows if row["level"] == level]
            model.objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("taxonomy", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load, unload),
    ]
