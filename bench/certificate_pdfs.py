"""Benchmark: a learner's certificate download beside a bare xhtml2pdf render of the same page.

    make bench-certificates
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres make bench-certificates

Target (issue L, item 4): the product's certificate costs at most 1.3 times the bare xhtml2pdf
render of the same template with the same QR code.

In one process and round by round (the order alternating, so that neither kind always runs
first, and a busy neighbour slows both alike), it measures:

- product: what the download view does for a certificate not yet stored: the selector's
  lookup (with the learner's permission check), the PDF service (its stored-file check, the
  render with the QR code made for the certificate's code, the page count, the locked write
  of the file and the row). Each round downloads a different, freshly issued certificate.
- reference: `pisa.CreatePDF` of the very HTML the product renders for that certificate (same
  template, fonts and QR code image, all made beforehand), nothing else.

Times are CPU time of this process (`time.process_time`), which other jobs on the machine
affect far less than wall time; the wall time (`time.perf_counter`) is printed beside it. The
database is a temporary SQLite file, or with DATABASE_URL a temporary database on that server
(created and dropped by Django's test database machinery).
"""

import gc
import io
import os
import platform
import resource
import socket
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from importlib.metadata import version
from pathlib import Path

WARMUP = int(os.environ.get("BENCH_CERTIFICATES_WARMUP", "5"))
ROUNDS = int(os.environ.get("BENCH_CERTIFICATES_ROUNDS", "50"))
TARGET = 1.3
RESULT = Path(__file__).parent / "results" / "certificates.txt"
# Names in several Latin scripts, as the roster has them (issue H).
NAMES = [
    ("Zoë", "O'Neil-Núñez"),
    ("Nguyễn Thị", "Minh Khai"),
    ("Łukasz", "Żółkiewski-Wąsowicz"),
    ("Jiří", "Dvořák"),
    ("Ștefan", "Țăranu-Măgureanu"),
    ("Şükrü", "Öztürk"),
    ("Þórunn", "Ægisdóttir"),
]
PACKAGES = ["Django", "wagtail", "xhtml2pdf", "reportlab", "zxing-cpp", "pillow"]


def setup_database(workdir: Path):
    """Django set up on an empty, migrated database; returns a function that drops it."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eupsite.settings.dev")
    sqlite = "DATABASE_URL" not in os.environ
    if sqlite:
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.MEDIA_ROOT = workdir / "media"
    if sqlite:
        call_command("migrate", verbosity=0)
        return lambda: None
    # Another server: a database of our own beside whatever it holds, dropped at the end.
    connection.settings_dict.setdefault("TEST", {})["NAME"] = (
        f"eup_bench_certificates_{os.getpid()}"
    )
    original = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return lambda: connection.creation.destroy_test_db(original, verbosity=0)


def issue_certificates(count: int) -> list[tuple[int, str]]:
    """`count` issued certificates without a stored PDF, as acknowledgement_sign leaves them
    (one staff member, assignment and signature each); returns (user id, code) pairs."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from certificates.codes import code_new
    from certificates.models import Acknowledgement, Certificate
    from staff.models import Assignment, Location, Staff
    from staff.services import cycle_open
    from training.models import PolicyVersion, SectionPage

    call_command("load_course", verbosity=0)
    version_signed = PolicyVersion.objects.order_by("-number").first()
    sections = list(SectionPage.objects.live().order_by("path").values_list("title", flat=True))
    User = get_user_model()
    users = User.objects.bulk_create(
        # "!" is Django's mark for an unusable password.
        [User(username=f"s{n}@district.example", password="!") for n in range(count)]  # noqa: S106
    )
    users = list(User.objects.filter(username__endswith="@district.example").order_by("pk"))
    location = Location.objects.create(name="Maple Street Elementary School")
    Staff.objects.bulk_create(
        [
            Staff(
                employee_id=f"E{n:06d}",
                first_name=NAMES[n % len(NAMES)][0],
                last_name=NAMES[n % len(NAMES)][1],
                email=user.username,
                location=location,
                hire_date=date(2010, 1, 1),
                user=user,
            )
            for n, user in enumerate(users)
        ]
    )
    today = timezone.localdate()
    cycle, _ = cycle_open(year=today.year if today.month >= 7 else today.year - 1)
    assignments = list(
        Assignment.objects.filter(cycle=cycle).select_related("staff", "course").order_by("pk")
    )
    if len(assignments) != count:
        sys.exit(f"expected {count} assignments, the cycle has {len(assignments)}")
    signed_at = datetime(2026, 9, 30, 14, tzinfo=UTC)
    acknowledgements = Acknowledgement.objects.bulk_create(
        [
            Acknowledgement(
                assignment=assignment,
                staff=assignment.staff,
                typed_name=f"{assignment.staff.first_name} {assignment.staff.last_name}",
                signed_at=signed_at,
                text_sha256=version_signed.text_sha256,
                policy_version=version_signed,
                course_revision="bench",
            )
            for assignment in assignments
        ]
    )
    certificates = Certificate.objects.bulk_create(
        [
            Certificate(
                assignment=assignment,
                acknowledgement=acknowledgement,
                code=code_new(),
                holder_name=f"{assignment.staff.first_name} {assignment.staff.last_name}",
                employee_id=assignment.staff.employee_id,
                location_name=location.name,
                course_title=assignment.course.title,
                cycle_name=cycle.name,
                completed_on=date(2026, 9, 30),
                expires_on=cycle.refresher_due_on.replace(year=cycle.refresher_due_on.year + 1),
                section_scores=[{"section": title, "score": "100 %"} for title in sections],
            )
            for assignment, acknowledgement in zip(assignments, acknowledgements, strict=True)
        ]
    )
    return [
        (assignment.staff.user_id, certificate.code)
        for assignment, certificate in zip(assignments, certificates, strict=True)
    ]


def product(user, code: str) -> bytes:
    """What certificates.views.certificate_download does for a certificate not yet stored,
    less the HTTP response around it."""
    from certificates import selectors, services

    certificate = selectors.certificate_for_download(user=user, code=code)
    return services.certificate_pdf(certificate=certificate)


def reference(html: str) -> bytes:
    """Bare xhtml2pdf: the same HTML (fonts by @font-face, the QR code a PNG data URI)."""
    from xhtml2pdf import pisa

    from certificates.pdf import POLICY, TEMPLATE_DIR

    output = io.BytesIO()
    result = pisa.CreatePDF(
        html, dest=output, encoding="utf-8", resource_policy=POLICY, path=str(TEMPLATE_DIR)
    )
    if result.err:
        raise SystemExit("xhtml2pdf could not render the reference")
    return output.getvalue()


def reference_html(code: str) -> str:
    """The HTML the product renders for the certificate, QR code included, made beforehand."""
    from certificates.models import Certificate
    from certificates.pdf import certificate_html

    certificate = Certificate.objects.select_related("acknowledgement__policy_version").get(
        code=code
    )
    return certificate_html(certificate)


def timed(function, *args) -> tuple[float, float, bytes]:
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    data = function(*args)
    return time.process_time() - cpu, time.perf_counter() - wall, data


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="eup-bench-cert-"))
    drop_database = setup_database(workdir)
    try:
        report = run()
    finally:
        drop_database()
    print(report)
    RESULT.write_text(report + "\n", encoding="utf-8")
    print(f"(written to {RESULT})")


def run() -> str:
    from django.contrib.auth import get_user_model
    from django.db import connection

    User = get_user_model()
    pairs = issue_certificates(WARMUP + ROUNDS)
    htmls = [reference_html(code) for _user_id, code in pairs]
    times: dict[str, list[tuple[float, float]]] = {"product": [], "reference": []}
    sizes: dict[str, list[int]] = {"product": [], "reference": []}
    for n, ((user_id, code), html) in enumerate(zip(pairs, htmls, strict=True)):
        # A fresh user object, as each request has (no permissions cached).
        user = User.objects.get(pk=user_id)
        kinds = [("product", product, (user, code)), ("reference", reference, (html,))]
        for kind, function, args in kinds if n % 2 else reversed(kinds):
            cpu, wall, data = timed(function, *args)
            if not data.startswith(b"%PDF"):
                raise SystemExit(f"{kind}: round {n} is not a PDF")
            if n >= WARMUP:
                times[kind].append((cpu, wall))
                sizes[kind].append(len(data))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def median(kind: str, index: int) -> float:
        return statistics.median(t[index] for t in times[kind]) * 1000

    product_cpu, reference_cpu = median("product", 0), median("reference", 0)
    ratio = product_cpu / reference_cpu
    ratios = [p[0] / r[0] for p, r in zip(times["product"], times["reference"], strict=True)]
    quartiles = statistics.quantiles(ratios, n=4)
    cores = os.cpu_count()
    lines = [
        f"{date.today().isoformat()}, {socket.gethostname()} ({cores} cores, "
        f"{platform.machine()}), make bench-certificates",
        f"database: {connection.vendor}; Python {platform.python_version()}; "
        + ", ".join(f"{name} {version(name)}" for name in PACKAGES),
        f"{ROUNDS} rounds after {WARMUP} warm-up rounds, product and reference interleaved "
        "(order alternating); times are CPU time of the process (time.process_time), wall time "
        "(time.perf_counter) in brackets",
        f"product   (download of a new certificate: lookup, render, QR code, store): "
        f"median {product_cpu:.1f} ms ({median('product', 1):.1f} ms wall), "
        f"{statistics.median(sizes['product']) / 1024:.0f} KB",
        f"reference (bare pisa.CreatePDF of the same HTML, QR code made beforehand): "
        f"median {reference_cpu:.1f} ms ({median('reference', 1):.1f} ms wall), "
        f"{statistics.median(sizes['reference']) / 1024:.0f} KB",
        f"ratio product/reference: {ratio:.2f} (of the medians; the per-round ratios: median "
        f"{quartiles[1]:.2f}, quartiles {quartiles[0]:.2f}-{quartiles[2]:.2f}); "
        f"target <= {TARGET}: {'met' if ratio <= TARGET else 'NOT met'}",
        f"peak memory (max RSS of the process): {peak_mb:.0f} MB",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
