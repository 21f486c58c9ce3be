import socket

from django.core.management import call_command
from django.core.management.base import BaseCommand

from jobs.services import tasks_recover
from jobs.tasks import BACKEND


class Command(BaseCommand):
    help = (
        "Run the background worker (e-mail, certificate ZIPs, records archives). First it "
        "deals with tasks a previous worker of the same id left running when it stopped: "
        "their work is queued again, or, for an e-mail that may have gone out, reported."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--worker-id",
            default=f"{socket.gethostname()}-1"[:64],
            help="Unique per worker process and stable across restarts (default: host-1). "
            "Run a second worker on the same host as --worker-id host-2.",
        )
        parser.add_argument("--batch", action="store_true", help="Run the queued tasks, then exit.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls.")

    def handle(self, *args, worker_id, batch, interval, verbosity, **options):
        recovery = tasks_recover(worker_id=worker_id)
        for name in recovery.requeued:
            self.stdout.write(self.style.WARNING(f"Queued again after a stopped worker: {name}"))
        for email_id in recovery.uncertain_emails:
            self.stdout.write(
                self.style.ERROR(
                    f"E-mail {email_id} may or may not have gone out (the worker stopped while "
                    "sending): see Reports > E-mail outbox."
                )
            )
        self.stdout.write(f"Worker {worker_id} working the '{BACKEND}' queue (Ctrl+C stops).")
        worker_args = ["--backend", BACKEND, "--queue-name", "*", "--worker-id", worker_id]
        worker_args += ["--interval", str(interval), "--no-reload"]
        worker_args += ["--batch", "--no-startup-delay"] if batch else []
        # argparse checks a default against its type, so the backend goes on the command line.
        call_command("db_worker", *worker_args, verbosity=verbosity, stdout=self.stdout._out)
