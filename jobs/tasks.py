"""The background tasks. Each is a thin wrapper around a service so the worker, the tests and
the recovery all run the same code. They run on the "background" backend, django-tasks-db's
DatabaseBackend, whose queue is a table in the same database as the records the tasks are
about (see services.enqueue)."""

from django_tasks import task

from . import services

BACKEND = "background"


@task(backend=BACKEND, priority=10)
def deliver_email(email_id: int) -> str:
    return services.email_deliver(email_id=email_id)


@task(backend=BACKEND)
def prepare_file(prepared_file_id: int) -> str:
    return services.file_prepare(prepared_file_id=prepared_file_id)
