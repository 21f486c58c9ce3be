"""The administrator groups of the product and their permissions. Used by the migrations that
create them and by `manage.py setup_admin_groups` (which puts them back after a flush). They
live beside the staff they scope; the permissions they grant are named by string, so this
module imports no app above staff."""

DISTRICT = "District administrators"
HR = "HR administrators"
LOCATION = "Location administrators"
# Wagtail's own group, given what a district's training coordinator needs: edit and publish the
# course, and edit the question bank. Questions are retired, never deleted (attempts cite them).
EDITORS = "Editors"
QUESTION_MODELS = [
    "question",
    "singlechoicequestion",
    "multipleresponsequestion",
    "truefalsequestion",
    "scenarioquestion",
]

# The audit trail (Wagtail's site history) shows a person the entries of the records they may
# view: district and HR administrators view every kind of record it holds.
AUDIT_VIEW_PERMISSIONS = [
    "staff.view_rosterimport",
    "staff.view_trainingcycle",
    "staff.view_assignment",
    "jobs.view_preparedfile",
    "staff.view_locationaccess",
]

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
        "staff.change_assignment",
        # Which courses whom: a district adds a course for teachers only, say.
        *[f"staff.{action}_assignmentrule" for action in ("view", "add", "change", "delete")],
        *AUDIT_VIEW_PERMISSIONS,
        "jobs.view_outgoingemail",
        "jobs.change_outgoingemail",
        # Publish a new version of the acknowledgement (a material change asks everyone who
        # signed before to acknowledge again).
        "training.view_policyversion",
        "training.change_policyversion",
        # Read a new version of a course's translation beside the English and release it to
        # learners.
        "training.view_coursetranslation",
        "training.review_coursetranslation",
    ],
    # HR keeps the roster: staff, locations, imports, invitations and the school-year cycles,
    # and follows everyone's completion. It does not revoke certificates.
    HR: [
        "wagtailadmin.access_admin",
        "reports.view_completion_reports",
        "reports.view_all_locations",
        "staff.view_staff",
        "staff.add_staff",
        "staff.change_staff",
        "staff.view_location",
        "staff.add_location",
        "staff.change_location",
        "staff.view_trainingcycle",
        "staff.add_trainingcycle",
        "staff.change_trainingcycle",
        "staff.view_assignment",
        # Extend a due date or exempt someone from a cycle, with a reason (the only way an
        # assignment changes: staff/apps.py).
        "staff.change_assignment",
        *[f"staff.{action}_assignmentrule" for action in ("view", "add", "change", "delete")],
        *AUDIT_VIEW_PERMISSIONS,
        "certificates.view_certificate",
        "jobs.view_outgoingemail",
        "jobs.change_outgoingemail",
    ],
    LOCATION: ["wagtailadmin.access_admin", "reports.view_completion_reports"],
    EDITORS: [
        "wagtailadmin.access_admin",
        "quizzes.view_quiz",
        "quizzes.change_quiz",
        *[
            f"quizzes.{action}_{model}"
            for model in QUESTION_MODELS
            for action in ("view", "add", "change")
        ],
        "training.view_sourcedocument",
    ],
}
# Page permissions, given on the whole page tree (the course is the only site).
GROUP_PAGE_PERMISSIONS = {EDITORS: ["add_page", "change_page", "publish_page"]}
# Image permissions on the root collection (image slides).
GROUP_COLLECTION_PERMISSIONS = {EDITORS: ["add_image", "change_image", "choose_image"]}


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
                if apps is global_apps and ContentType.objects.filter(app_label=app_label).exists():
                    raise LookupError(f"No permission {full}: is the name right?")
                # In a migration: that model is not migrated yet; its own later migration adds
                # the permission.
                continue
            group.permissions.add(permission)


def page_and_collection_permissions_ensure(apps) -> None:
    """Give the groups their permissions on the page tree and the root collection (idempotent).
    Kept apart from admin_groups_ensure, which older migrations call before Wagtail's page
    permissions took their current form."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    root_page = Page.objects.filter(depth=1).first()
    root_collection = Collection.objects.filter(depth=1).first()
    for name, codenames in GROUP_PAGE_PERMISSIONS.items():
        group = Group.objects.get(name=name)
        for codename in codenames if root_page else []:
            permission = Permission.objects.get(
                content_type__app_label="wagtailcore", codename=codename
            )
            GroupPagePermission.objects.get_or_create(
                group=group, page=root_page, permission=permission
            )
    for name, codenames in GROUP_COLLECTION_PERMISSIONS.items():
        group = Group.objects.get(name=name)
        for codename in codenames if root_collection else []:
            permission = Permission.objects.get(
                content_type__app_label="wagtailimages", codename=codename
            )
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=root_collection, permission=permission
            )
