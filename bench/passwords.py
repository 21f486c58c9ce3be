"""Benchmark: the CPU a sign-in's password check costs, with this site's hasher (Argon2id at
OWASP's minimum) and with its reference, Django 5.2's default PBKDF2 at 1,000,000 iterations,
measured interleaved in one run (these machines are shared and noisy: the ratio is what holds).

    make bench-passwords

Target (issue L): the site's check costs at most 0.25x the PBKDF2 one.
"""

import os
import platform
import statistics
import time
from datetime import date

ROUNDS = int(os.environ.get("BENCH_PASSWORD_ROUNDS", "15"))
PASSWORD = "correct horse battery staple 42"  # noqa: S105 (a benchmark's password)


def cpu_ms(check) -> float:
    start = time.process_time()
    if not check():
        raise SystemExit("the password did not check: the benchmark measured nothing")
    return (time.process_time() - start) * 1000


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eupsite.settings.dev")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import check_password, get_hasher, make_password

    site = make_password(PASSWORD)  # the first of PASSWORD_HASHERS
    pbkdf2 = make_password(PASSWORD, hasher=get_hasher("pbkdf2_sha256"))
    if get_hasher("pbkdf2_sha256").iterations != 1_000_000:
        raise SystemExit("the reference is Django 5.2's PBKDF2 at 1,000,000 iterations")
    site_times, reference_times = [], []
    for _ in range(ROUNDS):  # interleaved, so both meet the same moments of the machine
        site_times.append(cpu_ms(lambda: check_password(PASSWORD, site)))
        reference_times.append(cpu_ms(lambda: check_password(PASSWORD, pbkdf2)))
    ours, reference = statistics.median(site_times), statistics.median(reference_times)
    hasher = settings.PASSWORD_HASHERS[0].rsplit(".", 1)[-1]
    print(f"{date.today()} on {platform.node()} ({os.cpu_count()} cores), {ROUNDS} rounds each")
    print(f"site hasher {hasher} ({site.split('$')[3]}): median {ours:.1f} ms CPU per check")
    print(f"reference PBKDF2-SHA256, 1,000,000 iterations: median {reference:.1f} ms CPU")
    print(f"ratio: {ours / reference:.2f}x (target <= 0.25x)")


if __name__ == "__main__":
    main()
