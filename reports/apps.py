from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Completion reports"

    def ready(self):
        from jobs.models import PreparedFile
        from jobs.services import file_builder_register
        from reports.forms import RecordsArchiveForm
        from reports.records import records_archive_for

        file_builder_register(
            PreparedFile.Kind.RECORDS_ARCHIVE,
            records_archive_for,
            form_class=RecordsArchiveForm,
            permission="reports.view_all_locations",
        )
