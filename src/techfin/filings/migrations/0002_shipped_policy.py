from importlib.resources import files

from django.db import migrations


def ship_policy(apps, schema_editor):
    # Revision 1 is the Guangzhou history as shipped with the platform (techfin.domain.data).
    PolicyRevision = apps.get_model("filings", "PolicyRevision")
    if not PolicyRevision.objects.exists():
        data = files("techfin.domain.data").joinpath("pool_policies.json").read_text(encoding="utf-8")
        PolicyRevision.objects.create(revision=1, data=data, note="Guangzhou history as shipped")


class Migration(migrations.Migration):
    dependencies = [("filings", "0001_initial")]
    operations = [migrations.RunPython(ship_policy, migrations.RunPython.noop)]
