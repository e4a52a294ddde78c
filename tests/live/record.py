"""Record the cassettes again from the real Xero, QuickBooks Online and Gmail.

    TAHSEEL_LIVE=1 python -m tests.live.record [xero|quickbooks|gmail|all]

For each service asked: check its variables, seed its test account with the
contract's data (``seed_xero``, ``seed_quickbooks``, ``seed_gmail``), run its cassette
tests with recording on so the files are written from the real answers, look through
the written files for secrets (``scan``), then replay them with nothing listening. Any
failure puts the cassettes back as git has them and exits 1. It never runs in CI: it
refuses when ``CI`` is set, pytest does not collect this package (no ``test_*.py``
here), and ``.ci/run`` never sets ``TAHSEEL_LIVE``.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.live import scan

ROOT = Path(__file__).resolve().parents[2]
USAGE = "usage: TAHSEEL_LIVE=1 python -m tests.live.record [xero|quickbooks|gmail|all]"


@dataclass(frozen=True)
class Service:
    """One real service: what it needs, what it records, and what recording proves."""

    name: str
    account: str
    variables: tuple[str, ...]
    secrets: tuple[tuple[str, str], ...]
    tests: tuple[str, ...]
    record: Mapping[str, str]
    cassettes: str
    proves: str
    token_variables: tuple[str, ...] = field(default=())


SERVICES = {
    "xero": Service(
        name="xero",
        account="a Xero demo company",
        variables=(
            "TAHSEEL_XERO_CLIENT_ID",
            "TAHSEEL_XERO_CLIENT_SECRET",
            "TAHSEEL_XERO_TENANT_ID",
            "TAHSEEL_XERO_TOKEN",
        ),
        secrets=(
            ("client id", "TAHSEEL_XERO_CLIENT_ID"),
            ("client secret", "TAHSEEL_XERO_CLIENT_SECRET"),
            ("xero tenant id", "TAHSEEL_XERO_TENANT_ID"),
        ),
        token_variables=("TAHSEEL_XERO_TOKEN",),
        tests=("tests/contract/test_xero_ledger.py", "-k", "Replay"),
        record={"TAHSEEL_XERO_RECORD": "live"},
        cassettes="tests/cassettes/test_xero_ledger",
        proves="Xero accepted the connector's requests and its answers parse into invoices",
    ),
    "quickbooks": Service(
        name="quickbooks",
        account="a QuickBooks Online sandbox company",
        variables=(
            "TAHSEEL_QBO_CLIENT_ID",
            "TAHSEEL_QBO_CLIENT_SECRET",
            "TAHSEEL_QBO_REALM_ID",
            "TAHSEEL_QBO_TOKEN",
        ),
        secrets=(
            ("client id", "TAHSEEL_QBO_CLIENT_ID"),
            ("client secret", "TAHSEEL_QBO_CLIENT_SECRET"),
            ("quickbooks realm id", "TAHSEEL_QBO_REALM_ID"),
        ),
        token_variables=("TAHSEEL_QBO_TOKEN",),
        tests=("tests/contract/test_quickbooks_ledger.py", "-k", "Replay"),
        record={"TAHSEEL_QBO_RECORD": "live"},
        cassettes="tests/cassettes/test_quickbooks_ledger",
        proves="QuickBooks accepted the connector's queries and writes, and its answers parse",
    ),
    "gmail": Service(
        name="gmail",
        account="a Gmail test account",
        variables=("TAHSEEL_LIVE_GMAIL_TOKEN", "TAHSEEL_LIVE_GMAIL_TO"),
        secrets=(),
        tests=("tests/contract/test_gmail_transport.py", "-k", "cassette"),
        record={"TAHSEEL_RECORD_CASSETTES": "1"},
        cassettes="tests/cassettes/test_gmail_transport",
        proves="Gmail sent a two-message thread as composed, and Tahseel found it again",
    ),
}

Runner = Callable[[Sequence[str], Mapping[str, str]], int]


def run_command(command: Sequence[str], env: Mapping[str, str]) -> int:
    """Run ``command`` in the repository with ``env``; its exit code."""
    return subprocess.run(list(command), cwd=ROOT, env=dict(env), check=False).returncode


def refusal(names: Sequence[str], environ: Mapping[str, str]) -> str | None:
    """Why recording ``names`` cannot start here, or None when it can."""
    if environ.get("CI"):
        return "CI is set: recording against the real services never runs in CI."
    if environ.get("TAHSEEL_LIVE") != "1":
        return (
            "TAHSEEL_LIVE is not 1: this records from real accounts and sends real email. "
            "Set TAHSEEL_LIVE=1 to mean it."
        )
    missing = [v for n in names for v in SERVICES[n].variables if not environ.get(v)]
    if missing:
        return (
            "missing variables: "
            + ", ".join(missing)
            + " (see README: Recording against the real services)"
        )
    return None


def known_secrets(service: Service, environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """The literal values the recording was made with, which no cassette may hold."""
    found = [(kind, environ[name]) for kind, name in service.secrets if environ.get(name)]
    texts = [environ.get(name, "") for name in service.token_variables]
    if service.name == "gmail" and environ.get("TAHSEEL_LIVE_GMAIL_TOKEN"):
        path = Path(environ["TAHSEEL_LIVE_GMAIL_TOKEN"])
        texts.append(path.read_text() if path.is_file() else "")
    for text in texts:
        try:
            token = json.loads(text)
        except ValueError:
            continue
        for key in ("access_token", "refresh_token", "id_token", "token", "client_secret"):
            if isinstance(token, dict) and isinstance(token.get(key), str):
                found.append((key.replace("_", " "), token[key]))
    return found


def restore(service: Service, run: Runner, environ: Mapping[str, str]) -> None:
    """Put the service's cassettes back as the last commit has them."""
    run(["git", "checkout", "HEAD", "--", service.cassettes], environ)
    run(["git", "clean", "-f", "-q", "--", service.cassettes], environ)


def record(service: Service, environ: Mapping[str, str], run: Runner, workdir: Path) -> int:
    """Seed, record, scan and replay one service; 0 when its new cassettes stand."""
    if run(["git", "diff", "--quiet", "HEAD", "--", service.cassettes], environ) != 0:
        print(
            f"{service.name}: {service.cassettes} has uncommitted changes; commit or restore "
            "them first (a failed recording puts back the last commit's files)."
        )
        return 1
    seeder = importlib.import_module(f"tests.live.seed_{service.name}")
    env = {**environ, **seeder.seed_from_env(environ, workdir)}
    pytest = [sys.executable, "-m", "pytest", "-q", *service.tests]
    if run(pytest, {**env, **service.record}) != 0:
        print(f"{service.name}: the recording failed; the cassettes are put back.")
        restore(service, run, environ)
        return 1
    secrets = known_secrets(service, environ) + known_secrets(service, env)
    findings = scan.scan([ROOT / service.cassettes], secrets)
    if findings:
        print(f"{service.name}: secrets in the recording, so it is thrown away:")
        for finding in findings:
            print(f"  {finding}")
        restore(service, run, environ)
        return 1
    clean = {k: v for k, v in env.items() if k not in service.record and k != "TAHSEEL_LIVE"}
    if run(pytest, clean) != 0:
        print(f"{service.name}: the new cassettes do not replay; they are put back.")
        restore(service, run, environ)
        return 1
    print(f"{service.name}: recorded from {service.account}: {service.proves}.")
    print(f"  Review and commit {service.cassettes}/.")
    return 0


def main(
    argv: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    run: Runner = run_command,
) -> int:
    """Record the services named in ``argv``; the exit code (2: refused, 1: failed)."""
    args = list(sys.argv[1:] if argv is None else argv) or ["all"]
    environ = dict(os.environ if environ is None else environ)
    if len(args) != 1 or args[0] not in (*SERVICES, "all"):
        print(USAGE, file=sys.stderr)
        return 2
    names = list(SERVICES) if args[0] == "all" else args
    why = refusal(names, environ)
    if why:
        print(f"tests.live.record: not recording: {why}", file=sys.stderr)
        return 2
    status = 0
    with tempfile.TemporaryDirectory(prefix="tahseel-live-") as workdir:
        for name in names:
            status = max(status, record(SERVICES[name], environ, run, Path(workdir)))
    return status


if __name__ == "__main__":
    sys.exit(main())
