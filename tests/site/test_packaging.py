"""Production installs the project with `pip install .` (not editable): the installed copy must
carry every package, migration, template and static file, and building it must not bury the
output under setuptools warnings."""

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOT_INSTALLED = {"tests", "bench", ".venv", "var", "content", "docs", "build"}


def importable_packages() -> set[str]:
    """Every folder of the project with an __init__.py, by the name it is imported as."""
    names = set()
    for init in ROOT.rglob("__init__.py"):
        parts = init.parent.relative_to(ROOT).parts
        if not parts or parts[0] in NOT_INSTALLED or parts[0].startswith("."):
            continue
        names.add(".".join(("eupsite" if parts[0] == "site" else parts[0], *parts[1:])))
    return names


def test_every_python_package_of_the_project_is_listed_for_installation():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert set(config["packages"]) == importable_packages()


def project_files() -> list[str]:
    """The files of a fresh clone: tracked, or new and not ignored."""
    listing = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return [name for name in listing.stdout.splitlines() if (ROOT / name).is_file()]


def test_a_built_wheel_carries_templates_static_files_and_migrations_without_warnings(tmp_path):
    # Built from a copy, as from a fresh clone, so the build leaves nothing in the working tree.
    source = tmp_path / "source"
    for name in project_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-w", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    output = build.stdout + build.stderr
    assert "Package would be ignored" not in output
    assert "BuildBackendWarning" not in output
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "staff/templates/staff/admin/roster_upload.html",
        "eupsite/static/css/site.css",
        "eupsite/static/js/player.js",
        "eupsite/templates/base.html",
        "eupsite/settings/production.py",
        "certificates/templates/certificates/certificate_pdf.html",
        "reports/templates/reports/email/reminder.txt",
        "training/migrations/0001_initial.py",
        "quizzes/templatetags/__init__.py",
    ):
        assert expected in names, expected
    for name in project_files():
        top, rest = name.split("/", 1) if "/" in name else ("", name)
        if top in NOT_INSTALLED or not (
            "/templates/" in name or "/static/" in name or "/migrations/" in name
        ):
            continue
        assert f"{'eupsite' if top == 'site' else top}/{rest}" in names, name
