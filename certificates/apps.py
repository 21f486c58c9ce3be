from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = "Acknowledgements and certificates"

    def ready(self):
        from certificates.forms import CertificatesZipForm
        from certificates.services import certificates_zip_for
        from jobs.models import PreparedFile
        from jobs.services import file_builder_register

        file_builder_register(
            PreparedFile.Kind.CERTIFICATES_ZIP,
            certificates_zip_for,
            form_class=CertificatesZipForm,
            permission="certificates.view_certificate",
        )
