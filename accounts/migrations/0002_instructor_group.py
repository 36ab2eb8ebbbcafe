"""Creates the Instructors group with what an instructor may do: read interviews, run cohorts."""
from django.db import migrations

# (app_label, model, action, human name): the permissions Django would create after migrate.
# They are created here too because post_migrate has not run yet on a fresh database.
INSTRUCTOR_PERMISSIONS = [
    ("interviews", "interviewsession", "view", "interview session"),
    ("interviews", "turn", "view", "turn"),
    ("interviews", "expressionsample", "view", "expression sample"),
    ("interviews", "report", "view", "report"),
    ("accounts", "cohort", "add", "cohort"),
    ("accounts", "cohort", "change", "cohort"),
    ("accounts", "cohort", "view", "cohort"),
]
GROUP_NAME = "Instructors"  # accounts.models.INSTRUCTOR_GROUP, frozen as it was when this ran


def create_instructor_group(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    db = schema_editor.connection.alias
    group, _ = Group.objects.using(db).get_or_create(name=GROUP_NAME)
    for app_label, model, action, verbose_name in INSTRUCTOR_PERMISSIONS:
        content_type, _ = ContentType.objects.using(db).get_or_create(app_label=app_label, model=model)
        permission, _ = Permission.objects.using(db).get_or_create(
            content_type=content_type,
            codename=f"{action}_{model}",
            defaults={"name": f"Can {action} {verbose_name}"},
        )
        group.permissions.add(permission)


def remove_instructor_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.using(schema_editor.connection.alias).filter(
        name=GROUP_NAME
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("interviews", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_instructor_group, remove_instructor_group)]
