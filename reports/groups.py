"""The administrator groups of the product and their permissions. Used by the migration that
creates them and by `manage.py setup_admin_groups` (which puts them back after a flush)."""

DISTRICT = "District administrators"
LOCATION = "Location administrators"

GROUP_PERMISSIONS = {
    DISTRICT: [
        "wagtailadmin.access_admin",
        "reports.view_completion_reports",
        "reports.view_all_locations",
        "certificates.view_certificate",
        "certificates.change_certificate",
        "staff.view_staff",
        "staff.add_staff",
        "staff.change_staff",
        "jobs.view_outgoingemail",
        "jobs.change_outgoingemail",
    ],
    LOCATION: ["wagtailadmin.access_admin", "reports.view_completion_reports"],
}


def admin_groups_ensure(apps) -> None:
    """Create the groups if missing and give them their permissions (idempotent). `apps` is the
    app registry: a migration's historical one, or django.apps.apps."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrations finish; make sure they exist now.
    for app_config in apps.get_app_configs():
        if apps is global_apps:
            create_permissions(app_config, verbosity=0)
            continue
        app_config.models_module = True  # historical app configs have none
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for name, codenames in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for full in codenames:
            app_label, codename = full.split(".")
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is None:
                if ContentType.objects.filter(app_label=app_label).exists():
                    raise LookupError(f"No permission {full}: is the name right?")
                continue  # that app is not migrated yet; its own later migration adds it
            group.permissions.add(permission)
