"""The GitHub Action and the example workflow: linted, and the action's steps run for real.

GitHub runs a composite action's ``run:`` steps with bash, its inputs and contexts
substituted, and files named by ``GITHUB_OUTPUT`` and ``GITHUB_STEP_SUMMARY``. The
runner below does the same on this machine: the ``uses:`` step (actions/setup-python)
is the only one left out, its place taken by a Python whose installed libraries are
the test environment's, so that the install step needs no network.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from sync.cli import demo

ROOT = Path(__file__).resolve().parents[2]
ANCHOR = "2026-11-23"  # a Monday in Riyadh
EXAMPLE = ROOT / "examples" / "github" / "tahseel.yml"
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    found = BIN / name if (BIN / name).exists() else shutil.which(name)
    assert found, f"{name} is missing: pip install -e '.[test]' installs it"
    return str(found)


def load(path: Path) -> dict:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


# -- linting ----------------------------------------------------------------------------


def action_as_workflow(action: dict) -> dict:
    """The action's steps as a reusable workflow's job, so actionlint checks their
    expressions and ShellCheck their scripts (actionlint reads workflows only)."""
    inputs = {name: {"type": "string", "required": False} for name in action["inputs"]}
    return {
        "name": "action steps",
        "on": {"workflow_call": {"inputs": inputs}},
        "permissions": {},
        "jobs": {"steps": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
    }


def test_the_action_and_the_example_workflow_pass_actionlint(tmp_path):
    repo = tmp_path / "repo"
    workflows = repo / ".github" / "workflows"
    workflows.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    shutil.copy(ROOT / "action.yml", repo / "action.yml")
    example = EXAMPLE.read_text(encoding="utf-8")
    assert "uses: tahseel/tahseel@v1" in example
    (workflows / "example.yml").write_text(example, encoding="utf-8")
    # The same workflow on the local action: actionlint checks its inputs against action.yml.
    local = example.replace("uses: tahseel/tahseel@v1", "uses: ./")
    (workflows / "local.yml").write_text(local, encoding="utf-8")
    steps = action_as_workflow(load(ROOT / "action.yml"))
    with (workflows / "action-steps.yml").open("w", encoding="utf-8") as handle:
        YAML().dump(steps, handle)
    result = subprocess.run(
        [tool("actionlint"), "-no-color", "-shellcheck", tool("shellcheck"), "-pyflakes", ""],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(steps["jobs"]["steps"]["steps"]) == 6


def test_the_example_runs_daily_and_by_hand_one_at_a_time_with_least_permissions():
    workflow = load(EXAMPLE)
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1: on is true
    assert set(triggers) == {"schedule", "workflow_dispatch"}
    assert re.fullmatch(r"\d+ \d+ \* \* \*", triggers["schedule"][0]["cron"])
    assert workflow["concurrency"]["cancel-in-progress"] is False
    assert workflow["permissions"] == {"contents": "write"}
    (job,) = workflow["jobs"].values()
    commit = job["steps"][-1]
    assert commit["if"] == "always()" and "git push" in commit["run"]
    run = next(s for s in job["steps"] if s.get("id") == "tahseel")
    assert run["with"]["vault-key"] == "${{ secrets.TAHSEEL_VAULT_KEY }}"
    assert all(v.startswith("${{ secrets.") for v in run["env"].values())


# -- running the action's steps -----------------------------------------------------------


@dataclass
class Job:
    """One job on a fresh runner: its workspace and the files GitHub would name."""

    root: Path
    python: Path
    outcomes: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.workspace = self.root / "workspace"
        self.temp = self.root / "runner-temp"
        self.temp.mkdir(parents=True)
        for name in ("summary.md", "output", "path", "env"):
            (self.root / name).touch()

    @property
    def summary(self) -> str:
        return (self.root / "summary.md").read_text(encoding="utf-8")

    @property
    def outputs(self) -> dict[str, str]:
        lines = (self.root / "output").read_text(encoding="utf-8").splitlines()
        return dict(line.split("=", 1) for line in lines if "=" in line)

    def environ(self, step_env: dict[str, str]) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "TAHSEEL_"))}
        env.update(
            PATH=f"{self.python.parent}{os.pathsep}{env['PATH']}",
            GITHUB_ACTIONS="true",
            GITHUB_WORKSPACE=str(self.workspace),
            GITHUB_STEP_SUMMARY=str(self.root / "summary.md"),
            GITHUB_OUTPUT=str(self.root / "output"),
            GITHUB_PATH=str(self.root / "path"),
            GITHUB_ENV=str(self.root / "env"),
            RUNNER_TEMP=str(self.temp),
            # Offline: every library is already there; only Tahseel itself is built.
            PIP_NO_INDEX="1",
            PIP_NO_BUILD_ISOLATION="0",  # pip reads these two the other way round:
            PIP_NO_COMPILE="0",  # no isolation, no bytecode (time only)
        )
        env.update(step_env)
        return env

    def run_action(self, action_path: Path, given: dict[str, str], *, skip=()) -> None:
        action = load(action_path / "action.yml")
        inputs = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
        unknown = set(given) - set(inputs)
        assert not unknown, f"not inputs of the action: {unknown}"
        inputs.update(given)
        failed = False
        for step in action["runs"]["steps"]:
            name = substitute(step["name"], inputs, action_path)
            if "uses" in step or name in skip:
                self.outcomes[name] = -1
                continue
            if not condition(step.get("if", "success()"), inputs, failed):
                continue
            assert step["shell"] == "bash" and "${{" not in step["run"], name
            script = self.temp / "step.sh"
            script.write_text(step["run"], encoding="utf-8")
            env = {k: substitute(v, inputs, action_path) for k, v in step.get("env", {}).items()}
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                cwd=self.workspace,
                env=self.environ(env),
                capture_output=True,
                text=True,
            )
            self.outcomes[name] = done.returncode
            failed = failed or done.returncode != 0
            if not name.startswith("tahseel "):
                assert done.returncode == 0, f"{name}: {done.stdout}{done.stderr}"


def substitute(text: str, inputs: dict[str, str], action_path: Path) -> str:
    def value(match: re.Match[str]) -> str:
        expr = match[1]
        if expr.startswith("inputs."):
            return inputs[expr.removeprefix("inputs.")]
        assert expr == "github.action_path", f"the test runner does not know ${{{{ {expr} }}}}"
        return str(action_path)

    return re.sub(r"\$\{\{\s*(.+?)\s*\}\}", value, str(text))


def condition(text: str, inputs: dict[str, str], failed: bool) -> bool:
    """The few expressions the action's ``if:`` use: always(), success(), inputs, !=, &&."""
    if not re.search(r"\b(always|success|failure|cancelled)\(\)", text):
        text = f"success() && ({text})"  # as GitHub does
    expr = re.sub(r"inputs\.([\w-]+)", lambda m: repr(inputs[m[1]]), text)
    expr = expr.replace("&&", " and ").replace("||", " or ")
    expr = expr.replace("always()", "True").replace("success()", repr(not failed))
    assert re.fullmatch(r"[\w\s'!=()]*", expr), text
    return bool(eval(expr))  # noqa: S307 - built above from a fixed vocabulary


@pytest.fixture(scope="module")
def runner_python(tmp_path_factory) -> Path:
    """A Python like the one actions/setup-python provides, seeing this venv's libraries."""
    folder = tmp_path_factory.mktemp("runner") / "python"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # A plain path line: the editable install of this checkout (a .pth of its own) is
    # not seen, so `tahseel` there is what the action's install step built.
    Path(site, "runner.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    return python


@pytest.fixture(scope="module")
def action_path(tmp_path_factory) -> Path:
    """The action as GitHub checks it out: the repository, apart from the tests."""
    target = tmp_path_factory.mktemp("action") / "tahseel"
    shutil.copytree(
        ROOT,
        target,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "tests", "tahseel-demo*"
        ),
    )
    return target


def sent(workspace: Path) -> set[str]:
    return {p.name for p in (workspace / "demo" / "mailbox" / ".Sent" / "cur").iterdir()} | {
        p.name for p in (workspace / "demo" / "mailbox" / ".Sent" / "new").iterdir()
    }


def open_vault(
    action_path: Path, workspace: Path, into: Path, *, key: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(action_path / "action" / "vault.sh"),
            "open",
            str(workspace / ".tahseel-vault"),
            "tahseel-state.db",
        ],
        cwd=into,
        env={**os.environ, "TAHSEEL_VAULT_KEY": key},
        capture_output=True,
        text=True,
    )


def test_the_action_runs_tahseel_and_its_state_survives_to_the_next_job(
    tmp_path, runner_python, action_path
):
    from datetime import date

    given = {
        "config": "tahseel.yaml",
        "args": f"--today {ANCHOR}",
        "vault-key": "correct horse battery staple",
        "vault-files": "tahseel-state.db",
    }
    first = Job(tmp_path / "first", runner_python)
    demo.install(first.workspace, anchor=date.fromisoformat(ANCHOR))
    before = sent(first.workspace)
    first.run_action(action_path, given)

    assert first.outcomes == {
        "Set up Python": -1,
        "Install Tahseel": 0,
        "Open the vault": 0,
        "tahseel run": 1,  # the demo's customer without an address is skipped: exit 1
        "Seal the vault": 0,
    }
    assert first.outputs["exit-code"] == "1"
    mailed = sent(first.workspace) - before
    assert mailed, "the demo run sends reminders"
    summary = first.summary
    assert "## Tahseel run\n" in summary and "| what | count |\n|---|--:|\n" in summary
    reminders = re.findall(r"^\| reminders: \w+ \| (\d+) \|$", summary, re.M)
    assert reminders and sum(map(int, reminders)) <= len(mailed)
    assert "- INV-1010: customer" in summary
    assert "`tahseel run` exited 1: done, but some invoices were skipped or had errors." in summary
    sealed = first.workspace / ".tahseel-vault" / "tahseel-state.db.gpg"
    assert b"SQLite format 3" not in sealed.read_bytes()

    # The next job starts on a fresh runner from a fresh checkout and the committed
    # vault. Its heartbeat can only find the first job's run in the restored state.
    second = Job(tmp_path / "second", runner_python)
    demo.install(second.workspace, anchor=date.fromisoformat(ANCHOR))
    shutil.copytree(first.workspace / ".tahseel-vault", second.workspace / ".tahseel-vault")
    assert not (second.workspace / "tahseel-state.db").exists()
    # Same runner Python, already installed: the install step is not repeated. The run
    # was recorded at --today's moment, so the age allowed reaches back that far.
    since = (date.today() - date.fromisoformat(ANCHOR)).days + 2
    given = {**given, "command": "heartbeat", "args": f"--max-age {since}d"}
    second.run_action(action_path, given, skip={"Install Tahseel"})
    assert second.outcomes["tahseel heartbeat"] == 0, second.summary
    assert second.outcomes["Seal the vault"] == 0
    assert "`tahseel heartbeat` exited 0: done." in second.summary

    check = tmp_path / "check"
    check.mkdir()
    (check / "tahseel-state.db").write_text("kept", encoding="utf-8")
    wrong = open_vault(action_path, second.workspace, check, key="wrong horse")
    assert wrong.returncode == 1 and "wrong TAHSEEL_VAULT_KEY" in wrong.stderr
    assert (check / "tahseel-state.db").read_text(encoding="utf-8") == "kept"


def test_other_exit_codes_pass_through(tmp_path, runner_python, action_path):
    from datetime import date

    job = Job(tmp_path / "job", runner_python)
    demo.install(job.workspace, anchor=date.fromisoformat(ANCHOR))
    # No vault, so no run recorded in this fresh workspace: the heartbeat fails, and
    # so does the step.
    job.run_action(
        action_path,
        {"command": "heartbeat", "args": "--max-age 26h"},
        skip={"Install Tahseel"},
    )
    assert job.outcomes["tahseel heartbeat"] == 5
    assert job.outputs["exit-code"] == "5"
    assert "`tahseel heartbeat` exited 5: stale" in job.summary


def test_the_doctor_runs_first_and_stops_a_broken_setup(tmp_path, runner_python, action_path):
    from datetime import date

    job = Job(tmp_path / "good", runner_python)
    demo.install(job.workspace, anchor=date.fromisoformat(ANCHOR))
    job.run_action(action_path, {"command": "check", "doctor": "true"}, skip={"Install Tahseel"})
    assert job.outcomes["tahseel doctor"] == 0 and job.outcomes["tahseel check"] == 0

    broken = Job(tmp_path / "broken", runner_python)
    demo.install(broken.workspace, anchor=date.fromisoformat(ANCHOR))
    (broken.workspace / "demo" / "invoices.csv").unlink()
    broken.run_action(action_path, {"command": "run", "doctor": "true"}, skip={"Install Tahseel"})
    assert broken.outcomes["tahseel doctor"] == 2
    assert "tahseel run" not in broken.outcomes, "the run is not started"
    assert broken.outputs["exit-code"] == "2"
    assert "`tahseel doctor` exited 2: the setup needs fixing" in broken.summary
