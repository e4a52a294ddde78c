"""The README, the pages of docs/ and the --help texts must not drift from what the code does.

Which commands are run: every line beginning with ``$ `` inside a fenced block marked
``console`` (```` ```console ````), in the README and in every page of docs/. Each page
gets a folder of its own holding a fresh demo (``tahseel-demo/``, as ``tahseel demo``
leaves it) and ``.venv/bin/tahseel``; its commands run there in order, in bash, with
``tahseel`` on the PATH and ``EDITOR=true`` (so ``$EDITOR file`` stands for editing it).
A ``cd DIR`` line moves the rest of the page into DIR. A command must exit 0, unless a
comment on its line says ``exits N``. The lines after a command, up to the next ``$ ``,
are its sample output and are not compared. Blocks of other kinds (plain ```` ``` ````,
``sh``, ``yaml``, ``text``) are shown, not run: installation commands, cron lines, what
needs credentials or another machine. The ``--help`` texts on docs/commands.md are
```` ```text ```` blocks, written by cog and checked by ``cog --check`` below.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sync.cli import app

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text(encoding="utf-8")
PAGES = sorted(DOCS.rglob("*.md"))
COMMANDS = sorted(c.name or c.callback.__name__ for c in app.registered_commands)
runner = CliRunner()

CONSOLE_BLOCK = re.compile(r"^```console\n(.*?)^```", re.M | re.S)
EXPECTED_EXIT = re.compile(r"#.*\bexits (\d+)")


def page_text(relative: str) -> str:
    return (DOCS / relative).read_text(encoding="utf-8")


def generator():
    """docs/_generate.py, which the cog blocks import."""
    if str(DOCS) not in sys.path:
        sys.path.insert(0, str(DOCS))
    import _generate

    return _generate


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = [line for line in ci.splitlines() if line.startswith("python3 -m venv")]
    assert len(command) == 1
    assert f"\n{command[0]}\n" in README
    assert f"\n{command[0]}\n" in page_text("development.md")


def test_readme_demo_command_is_there():
    command = "\npython3 -m venv .venv && .venv/bin/pip install -q . && .venv/bin/tahseel demo\n"
    assert command in README
    assert command in page_text("getting-started.md")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_is_documented(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0 and len(result.output) > 200
    assert re.search(rf"`tahseel {command}\b", README), f"README does not list `tahseel {command}`"
    headings = re.findall(r"^## tahseel (.+)$", page_text("commands.md"), re.M)
    assert any(re.search(rf"\b{command}\b", h) for h in headings), (
        f"docs/commands.md has no section on `tahseel {command}`"
    )


def test_exit_codes_are_documented_in_help_and_docs():
    result = runner.invoke(app, ["--help"])
    for code in ("0 done", "1 done", "2 usage", "3 not run", "4 aborted", "5 stale"):
        assert code in " ".join(result.output.split())
    table = page_text("exit-codes.md")
    for code in range(6):
        assert re.search(rf"^\| {code} \|", table, re.M)


def test_csv_page_lists_every_csv_column():
    from connectors import csvfile

    page = page_text("ledgers/csv.md")
    for column in csvfile.COLUMNS:
        assert f"| `{column}` |" in page, column


def test_every_page_is_in_the_nav():
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in PAGES:
        assert f" {page.relative_to(DOCS).as_posix()}\n" in nav, page


def test_generated_reference_is_current():
    # cog runs from the root, as docs/development.md says to.
    result = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", "--diff", "-I", "docs"]
        + [str(p.relative_to(ROOT)) for p in PAGES],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, (
        "a generated part of docs/ is stale: run `cog -r -I docs docs/*.md`\n"
        + result.stdout
        + result.stderr
    )


def test_docs_build_strictly(tmp_path):
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "site" / "configuration" / "index.html").exists()
    assert (tmp_path / "site" / "ledgers" / "xero" / "index.html").exists()


def test_configuration_reference_walks_every_model_and_kind():
    gen = generator()
    keys = gen.setting_keys()
    for key in (
        "business.name",
        "ledger.path",  # csv
        "ledger.daily_limit",  # xero
        "ledger.realm_id",  # quickbooks
        "mailbox.daily_cap",  # gmail
        "calendar.send_window.start",
        "policy.stages[].offset_days",
        "policy.exclude.references",
        "heartbeat.max_age",
    ):
        assert key in keys, key
    assert "source" not in keys and "organisation" not in keys  # set by the loader
    page = page_text("configuration.md")
    for key in keys:
        assert f"| `{key}` |" in page, key
    assert "| `heartbeat.max_age` | duration | `1d2h` |" in page
    assert "| `policy.stages` | list of mapping" in page


def test_configuration_reference_refuses_notes_that_drift(monkeypatch):
    gen = generator()
    monkeypatch.setitem(gen.NOTES, "Policy.no_such_setting", "stale")
    with pytest.raises(LookupError, match="no_such_setting"):
        gen.settings_reference()
    monkeypatch.delitem(gen.NOTES, "Policy.no_such_setting")
    monkeypatch.setitem(gen.NOTES, "Safety.floor", "said twice")  # the model says it
    with pytest.raises(LookupError, match="Safety.floor"):
        gen.settings_reference()
    monkeypatch.delitem(gen.NOTES, "Safety.floor")
    monkeypatch.delitem(gen.NOTES, "Stage.offset_days")
    with pytest.raises(LookupError, match="Stage.offset_days has no description"):
        gen.settings_reference()


def test_command_reference_shows_every_command_help():
    gen = generator()
    names = gen.command_names()
    assert ("auth", "quickbooks") in names and ("run",) in names
    page = page_text("commands.md")
    for name in [(), *names]:
        shown = " ".join(("tahseel", *name, "--help"))
        assert f"$ {shown}\nUsage: tahseel" in page, shown
    # Rendered at a fixed width, without colour or boxes.
    assert "\x1b[" not in page and "╭" not in page
    for block in re.findall(r"^```text\n(.*?)^```", page, re.M | re.S):
        assert max(len(line) for line in block.splitlines()) <= gen.HELP_WIDTH, block


# --- every console command runs as shown -----------------------------------------------


def console_commands(text: str) -> list[tuple[str, int]]:
    """Each ``$ `` line of the ``console`` blocks, with the exit code it should have."""
    found = []
    for block in CONSOLE_BLOCK.findall(text):
        for line in block.splitlines():
            if line.startswith("$ "):
                expected = EXPECTED_EXIT.search(line)
                found.append((line[2:].strip(), int(expected.group(1)) if expected else 0))
    return found


DOCUMENTS = {"README.md": README} | {
    f"docs/{p.relative_to(DOCS).as_posix()}": p.read_text(encoding="utf-8") for p in PAGES
}
RUN = {name: console_commands(text) for name, text in DOCUMENTS.items()}
RUN = {name: commands for name, commands in RUN.items() if commands}


def test_the_convention_finds_the_commands():
    assert console_commands("```console\n$ tahseel run  # exits 1: a skip\nout\n```\n") == [
        ("tahseel run  # exits 1: a skip", 1)
    ]
    assert console_commands("```\n$ tahseel run\n```\n```sh\n$ ls\n```\n") == []
    # The front page and the pages that walk through the commands are all run.
    assert {"README.md", "docs/getting-started.md", "docs/commands.md"} <= set(RUN)
    assert sum(len(c) for c in RUN.values()) >= 20


@pytest.fixture(scope="module")
def fresh_demo(tmp_path_factory) -> Path:
    """A folder holding ``tahseel-demo/`` as ``tahseel demo`` leaves it, made once."""
    folder = tmp_path_factory.mktemp("demo")
    tahseel = Path(sys.executable).parent / "tahseel"
    assert tahseel.exists(), f"{tahseel} is missing: install the package into this venv"
    subprocess.run(
        [str(tahseel), "demo"], cwd=folder, check=True, capture_output=True, env=shell_env()
    )
    return folder


def shell_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TAHSEEL_") and k != "GITHUB_STEP_SUMMARY"
    }
    bin_dir = str(Path(sys.executable).parent)
    env |= {
        "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        "EDITOR": "true",
        "NO_COLOR": "1",
        "COLUMNS": "100",
    }
    return env


@pytest.mark.parametrize("document", sorted(RUN))
def test_console_commands_run_as_documented(document, fresh_demo, tmp_path):
    folder = tmp_path / "page"
    shutil.copytree(fresh_demo, folder, symlinks=True)
    (folder / ".venv" / "bin").mkdir(parents=True)
    (folder / ".venv" / "bin" / "tahseel").symlink_to(Path(sys.executable).parent / "tahseel")
    cwd, env = folder, shell_env()
    for command, expected in RUN[document]:
        moved = re.fullmatch(r"cd (\S+)(\s+#.*)?", command)
        if moved:
            cwd = cwd / moved.group(1)
            assert cwd.is_dir(), f"{document}: `{command}`: no such folder"
            continue
        result = subprocess.run(
            ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == expected, (
            f"{document}: `{command}` exited {result.returncode}, documented {expected}\n"
            f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
        )


def test_wheel_carries_templates_and_example_config(tmp_path):
    # Built from a copy, so that no build/ folder left in the checkout leaks into it.
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "tahseel-demo", "site"
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("tahseel-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for lang in ("en", "ar"):
        for stage in (
            "courtesy",
            "due",
            "overdue",
            "weekly",
            "final",
            "resend",
            "thank_you",
            "acknowledge",
        ):
            for part in ("txt", "html"):
                assert f"tahseel_templates/{lang}/{stage}.{part}" in names
        # one neutral subject for every message of a thread
        assert f"tahseel_templates/{lang}/_subject.txt" in names
    assert "tahseel_config/tahseel.yaml" in names
    # every Python module of the source tree is in the wheel, subpackages included
    for package in ("connectors", "sync", "mailer"):
        for module in (ROOT / package).rglob("*.py"):
            assert str(module.relative_to(ROOT)) in names, module
    assert "tahseel_config/demo/invoices.csv" in names
    assert "tahseel_config/demo/mail/02-reply-not-received.eml" in names
    # the documentation and its generators are not part of the package
    assert not any(name.startswith("docs/") or "_generate" in name for name in names)
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = (
        "from sync.config.resources import *;"
        " print(default_templates_dir()); print(example_config_dir())"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == [str(site / "tahseel_templates"), str(site / "tahseel_config")]
