"""The hub's roles as groups with their permissions (membership/roles.py)."""
from django.contrib.auth.management import create_permissions
from django.db import migrations

from hub_server.membership.roles import GROUP_PERMISSIONS


def create_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():  # permissions are normally made after all migrations
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in perms:
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


class Migration(migrations.Migration):
    dependencies = [
        ("membership", "0001_initial"),
        ("proposals", "0002_action_actionupdate_auditentry_and_more"),
        ("fleet_health", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
