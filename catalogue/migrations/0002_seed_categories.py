"""The service categories of catalogue/categories.py (GB/T 34670 and the platform's seeds)."""

from django.db import migrations


def seed(apps, schema_editor):
    from catalogue.categories import CATEGORIES

    ServiceCategory = apps.get_model("catalogue", "ServiceCategory")
    for category in CATEGORIES:
        ServiceCategory.objects.update_or_create(
            code=category["code"],
            defaults={key: value for key, value in category.items() if key != "code"},
        )


def unseed(apps, schema_editor):
    apps.get_model("catalogue", "ServiceCategory").objects.filter(offerings__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
