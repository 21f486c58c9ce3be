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


def make_course(
    slug: str = "electronic-use-policies",
    title: str = "Electronic Use Policies",
    *,
    everyone: bool = True,
):
    """A published course page without sections (the one of that slug if it exists), for tests
    that need assignments but not the course's content. Everyone is assigned it, as with a
    loaded course, unless `everyone` is False (no rule)."""
    from wagtail.models import Page

    from staff.services import assignment_rule_everyone
    from training.models import CoursePage

    course = CoursePage.objects.filter(slug=slug).first()
    if course is None:
        course = Page.get_first_root_node().add_child(instance=CoursePage(title=title, slug=slug))
        course.save_revision().publish()
    if everyone:
        assignment_rule_everyone(course_id=course.pk)
    return course


SECOND_COURSE_SLUG = "our-own-policy"
SECOND_COURSE_TITLE = "Our Own Policy"


def with_second_course(folder):
    """A copy of content/ in `folder` with a second course in courses/our-own-policy/: one
    section of the shipped course (its slides and questions, so the content checks pass), the
    first acknowledgement text, and course.yaml's rule that only teachers take it. Returns
    the copy's content folder, for load_course --content-dir."""
    import shutil

    import yaml
    from django.conf import settings

    shipped = settings.COURSE_CONTENT_DIR
    content = folder / "content"
    shutil.copytree(shipped, content)
    second = content / "courses" / SECOND_COURSE_SLUG
    (second / "sections").mkdir(parents=True)
    (second / "acknowledgement").mkdir()
    course = yaml.safe_load((shipped / "course.yaml").read_text())
    course.update(
        title=SECOND_COURSE_TITLE, slug=SECOND_COURSE_SLUG, summary="The district's own policy."
    )
    course["assign_to"] = [{"job_title": "Teacher"}]
    (second / "course.yaml").write_text(yaml.safe_dump(course, allow_unicode=True))
    shutil.copytree(shipped / "policies", second / "policies")
    shutil.copy(shipped / "sections" / "01-introduction.yaml", second / "sections")
    shutil.copy(shipped / "acknowledgement" / "1.yaml", second / "acknowledgement")
    return content


def totp_code(key_hex: str, *, at: float | None = None) -> str:
    """The 6-digit TOTP code of a hex key at time `at` (now), computed as django-otp does."""
    import time
    from binascii import unhexlify

    from django_otp.oath import TOTP

    totp = TOTP(unhexlify(key_hex), step=30, t0=0, digits=6)
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


def second_factor_code(user) -> str:
    """A code `user`'s confirmed authenticator accepts now. django-otp refuses a time step it
    already accepted (replay), so after a sign-in in this step the next step's code is given
    (the device accepts one step ahead), waiting for a step to pass when even that was used."""
    import time

    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    while True:
        now = time.time()
        step = int(now // device.step)
        device.refresh_from_db()
        wanted = max(step, device.last_t + 1)
        if wanted <= step + device.tolerance:
            return totp_code(device.key, at=wanted * device.step + 1)
        time.sleep(device.step - now % device.step + 0.1)


TEST_TOTP_KEY = "3132333435363738393031323334353637383930"


def authenticator_give(user):
    """A confirmed authenticator for `user` (the demo's known key) unless they have one."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name="Test authenticator", key=TEST_TOTP_KEY, confirmed=True
        )
    return device


def login_verified(client, user):
    """client.force_login(user), and for someone with admin access a session that passed the
    second factor, as after typing the code (eupsite.second_factor)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from eupsite.permissions import can_use_admin

    client.force_login(user)
    # Asked of a fresh copy: has_perm caches on the object, which the test may still change.
    if can_use_admin(type(user).objects.get(pk=user.pk)):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = authenticator_give(user).persistent_id
        session.save()
    return client
