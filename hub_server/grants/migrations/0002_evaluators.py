"""The grant evaluators' group (grants/roles.py); its members are assigned applications by administrators."""
from django.db import migrations

from hub_server.grants.roles import EVALUATORS


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=EVALUATORS)


class Migration(migrations.Migration):
    dependencies = [("grants", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
