"""Who e-mails come from: DEFAULT_FROM_EMAIL, the district's name by default, and in
production whatever the environment says."""

from django.conf import settings

from .test_settings_and_commands import PRODUCTION, run_manage

PRINT_FROM = "from django.conf import settings; print('FROM=' + settings.DEFAULT_FROM_EMAIL)"


def test_the_default_sender_is_the_district():
    assert settings.DEFAULT_FROM_EMAIL == "Waterbury Public Schools training <training@localhost>"


def test_production_takes_the_sender_from_the_environment():
    address = "Waterbury Public Schools training <training@district.example>"
    result = run_manage(
        "shell", "-c", PRINT_FROM, env_extra=PRODUCTION | {"DEFAULT_FROM_EMAIL": address}
    )
    assert f"FROM={address}" in result.stdout, result.stderr
    fallback = run_manage(
        "shell", "-c", PRINT_FROM, env_extra=PRODUCTION, env_remove=("DEFAULT_FROM_EMAIL",)
    )
    assert "FROM=Waterbury Public Schools training <training@localhost>" in fallback.stdout
