"""Benchmark: render 200 certificate PDFs and report the median time per PDF and peak memory.

    make bench-certificates

Target (issue D): under 250 ms median per certificate on the development machine.
"""

import os
import resource
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

COUNT = int(os.environ.get("BENCH_CERTIFICATES", "200"))


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="eup-bench-cert-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eupsite.settings.dev")
    import django

    django.setup()
    from django.utils import timezone

    from certificates.codes import code_new
    from certificates.models import Acknowledgement, Certificate
    from certificates.pdf import render_certificate

    scores = [{"section": f"Section {n}", "score": "100 %"} for n in range(1, 8)]
    timings = []
    for n in range(COUNT):
        acknowledgement = Acknowledgement(
            typed_name=f"Zoë O'Neil-Núñez {n}", signed_at=timezone.now()
        )
        certificate = Certificate(
            acknowledgement=acknowledgement,
            code=code_new(),
            holder_name=f"Zoë O'Neil-Núñez {n}",
            employee_id=f"E{n:06d}",
            location_name="Maple Street Elementary School",
            course_title="Electronic Use Policies",
            cycle_name="2026-2027",
            completed_on=date(2026, 9, 14),
            expires_on=date(2027, 10, 1),
            section_scores=scores,
        )
        started = time.perf_counter()
        data = render_certificate(certificate)
        timings.append(time.perf_counter() - started)
        if not data.startswith(b"%PDF"):
            raise SystemExit(f"certificate {n} is not a PDF")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{COUNT} certificates rendered (xhtml2pdf, fonts embedded, QR code)")
    print(
        f"median {statistics.median(timings) * 1000:.0f} ms per PDF, "
        f"p95 {sorted(timings)[int(COUNT * 0.95) - 1] * 1000:.0f} ms, "
        f"first {timings[0] * 1000:.0f} ms"
    )
    print(f"peak memory (max RSS of the process): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
