"""Keep every cache registered before shelves existed where its people can see it.

The registrant gets a shelf of their own. A cache from a server folder, or one with no
registrant, was put there by the operator, so it goes on the museum's public shelf.
"""

from django.db import migrations


def shelve_existing_caches(apps, schema_editor):
    RelicCache = apps.get_model("relics", "RelicCache")
    RelicShelf = apps.get_model("relics", "RelicShelf")
    for cache in RelicCache.objects.all().iterator():
        if cache.registered_by_id is not None:
            RelicShelf.objects.get_or_create(
                cache=cache, owner_id=cache.registered_by_id, team=None, defaults={"label": cache.label}
            )
        if cache.source == "folder" or cache.registered_by_id is None:
            RelicShelf.objects.update_or_create(
                cache=cache, owner=None, team=None, defaults={"label": cache.label, "public": True}
            )
        # auto_now_add stamps the migration's time; the shelf is as old as the registration.
        RelicShelf.objects.filter(cache=cache).update(created_at=cache.created_at)


class Migration(migrations.Migration):
    dependencies = [
        ("relics", "0002_relic_shelves"),
    ]

    operations = [
        migrations.RunPython(shelve_existing_caches, migrations.RunPython.noop),
    ]
