"""Helpers that take a learner through the course with the same services the pages use."""


def read_all_slides(user, section):
    from training.services import progress_record_slide_view

    progress_record_slide_view(user=user, section=section, number=section.slide_count)


def answer_attempt(attempt, *, right: int | None = None) -> dict[str, list[str]]:
    """Form data for `attempt`: the first `right` questions answered correctly (all when None),
    the rest wrongly."""
    data = {}
    for item in attempt.items.order_by("position"):
        # The form answers by place in the shown list (1, 2, 3…), not by database id.
        places = {choice_id: n for n, choice_id in enumerate(item.choice_ids, start=1)}
        correct = sorted(item.correct_ids)
        if right is None or item.position <= right:
            chosen = correct
        else:
            chosen = [next(i for i in item.choice_ids if i not in correct)]
        data[f"q{item.position}"] = [str(places[i]) for i in chosen]
    return data


def pass_section(user, section):
    """Read every slide and pass the quiz, through the same services the pages use."""
    from quizzes.models import Quiz
    from quizzes.services import attempt_start_or_resume, attempt_submit

    read_all_slides(user, section)
    attempt = attempt_start_or_resume(user=user, quiz=Quiz.objects.get(section=section))
    return attempt_submit(user=user, attempt_id=attempt.pk, data=answer_attempt(attempt))


def database_server_url() -> str:
    """postgresql://user@host:port of the database the tests run on (PostgreSQL only), for
    the processes a test starts: pg_dump, a worker."""
    from django.db import connection

    db = connection.settings_dict
    return f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}"


def restore_migration_data():
    """Put back what migrations create (Wagtail's locale and root page, the administrator
    groups): a transactional test ends with a flush that empties them for the next one."""
    from django.core.management import call_command
    from wagtail.models import Collection, Locale, Page

    Locale.objects.get_or_create(language_code="en")
    if Page.get_first_root_node() is None:
        root = Page.add_root(title="Root", slug="root")
        # Id 1, as migrations make it: the admin's page explorer takes page 1 to be the root
        # and asks the API for any other root as for an ordinary page (answered 404).
        Page.objects.filter(pk=root.pk).update(id=1)
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    call_command("setup_admin_groups", verbosity=0)


def run_tasks() -> int:
    """Run the queued background tasks in this process, as `manage.py run_worker --batch` does
    (same worker code, without its signal handlers). Returns how many ran."""
    from unittest import mock

    from django_tasks_db.management.commands.db_worker import Worker

    from jobs.tasks import BACKEND

    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name=BACKEND,
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    # The worker closes "old" connections between tasks; here that connection holds the
    # test's transaction, so it must stay open.
    with mock.patch(f"{Worker.__module__}.close_old_connections"):
        worker.run()
    return worker._run_tasks


def content_with_new_version(tmp_path, **changes):
    """A copy of content/ with an acknowledgement version 3: version 2 with `changes` and its
    last paragraph amended (so its text differs). Returns the copy's path."""
    import shutil

    import yaml
    from django.conf import settings

    content = tmp_path / "content"
    shutil.copytree(settings.COURSE_CONTENT_DIR, content)
    version = yaml.safe_load((content / "acknowledgement" / "2.yaml").read_text())
    version.update(version=3, **changes)
    version["paragraphs"][-1] += " (Amended.)"
    (content / "acknowledgement" / "3.yaml").write_text(yaml.safe_dump(version))
    return content
