"""The live recording command's guards, its secret scan, the shared scrubber, the seeds.

Nothing here reaches a real service: the command is run with a fake runner, the scan
reads planted files, and the scrubber and seeds work against the loopback emulators.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.live import record, scan
from tests.support import cassettes, tally

LIVE = {"TAHSEEL_LIVE": "1"}
XERO = {
    "TAHSEEL_XERO_CLIENT_ID": "ABCDEF0123456789ABCDEF0123456789",
    "TAHSEEL_XERO_CLIENT_SECRET": "s3cr3t-xero-client-secret-value",
    "TAHSEEL_XERO_TENANT_ID": "6f2c1b7e-0d1a-4c55-9a53-1d2f3e4a5b6c",
    "TAHSEEL_XERO_TOKEN": json.dumps({"access_token": "at-xero-1", "refresh_token": "rt-xero-1"}),
}


class Runner:
    """Stands in for subprocess: records commands, answers with set exit codes."""

    def __init__(self, *codes: int) -> None:
        self.codes = list(codes)
        self.commands: list[list[str]] = []
        self.envs: list[dict[str, str]] = []

    def __call__(self, command, env) -> int:  # type: ignore[no-untyped-def]
        self.commands.append(list(command))
        self.envs.append(dict(env))
        return self.codes.pop(0) if self.codes else 0


# -- the guards ---------------------------------------------------------------------------


def test_without_tahseel_live_nothing_runs(capsys: pytest.CaptureFixture[str]) -> None:
    runner = Runner()
    assert record.main(["xero"], {**XERO}, runner) == 2
    assert "TAHSEEL_LIVE" in capsys.readouterr().err
    assert runner.commands == []
    tally.record("real services: recording", bad_inputs=1, runs=1)


def test_ci_never_records(capsys: pytest.CaptureFixture[str]) -> None:
    runner = Runner()
    assert record.main(["all"], {**LIVE, **XERO, "CI": "true"}, runner) == 2
    assert "CI" in capsys.readouterr().err and runner.commands == []


def test_missing_credentials_are_named(capsys: pytest.CaptureFixture[str]) -> None:
    runner = Runner()
    partial = {k: v for k, v in XERO.items() if k != "TAHSEEL_XERO_TENANT_ID"}
    assert record.main(["all"], {**LIVE, **partial}, runner) == 2
    err = capsys.readouterr().err
    assert "TAHSEEL_XERO_TENANT_ID" in err and "TAHSEEL_XERO_CLIENT_ID" not in err
    for name in ("TAHSEEL_QBO_REALM_ID", "TAHSEEL_QBO_TOKEN", "TAHSEEL_LIVE_GMAIL_TOKEN"):
        assert name in err
    assert runner.commands == []
    tally.record("real services: recording", bad_inputs=2, runs=2)


def test_an_unknown_service_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert record.main(["sage"], {**LIVE}, Runner()) == 2
    assert "xero|quickbooks|gmail|all" in capsys.readouterr().err


def test_pytest_collects_nothing_from_the_live_package() -> None:
    live = Path(record.__file__).parent
    assert not [p for p in live.iterdir() if p.name.startswith("test_") or p.stem.endswith("_test")]
    ci = (live.parents[1] / ".ci" / "run").read_text()
    assert "TAHSEEL_LIVE" not in ci


# -- a recording run, with the seed and pytest faked --------------------------------------


@pytest.fixture
def fake_xero(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The xero service pointed at a cassette folder in tmp_path, with a no-op seed."""
    folder = tmp_path / "cassettes"
    folder.mkdir()
    service = record.SERVICES["xero"]
    monkeypatch.setitem(
        record.SERVICES, "xero", record.Service(**{**service.__dict__, "cassettes": str(folder)})
    )
    monkeypatch.setattr(record, "ROOT", tmp_path)
    monkeypatch.setattr(
        "tests.live.seed_xero.seed_from_env", lambda environ, workdir: {"SEEDED": "1"}
    )
    return folder


def test_a_clean_recording_is_kept(fake_xero: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (fake_xero / "a.yaml").write_text("interactions: []\n")
    runner = Runner()
    assert record.main(["xero"], {**LIVE, **XERO}, runner) == 0
    recorded, replayed = runner.envs[-2:]
    assert recorded["TAHSEEL_XERO_RECORD"] == "live" and recorded["SEEDED"] == "1"
    assert "TAHSEEL_XERO_RECORD" not in replayed and "TAHSEEL_LIVE" not in replayed
    assert "accepted the connector's requests" in capsys.readouterr().out


def test_a_leaked_secret_fails_loudly_and_puts_the_cassettes_back(
    fake_xero: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tenant = XERO["TAHSEEL_XERO_TENANT_ID"]
    (fake_xero / "a.yaml").write_text(f"uri: https://x/{tenant}\n")
    runner = Runner()
    assert record.main(["xero"], {**LIVE, **XERO}, runner) == 1
    out = capsys.readouterr().out
    assert "a.yaml:1: xero tenant id" in out and tenant not in out
    assert ["git", "checkout", "HEAD", "--", str(fake_xero)] in runner.commands
    tally.record("real services: recording", bad_inputs=1, runs=1)


def test_a_failed_recording_puts_the_cassettes_back(fake_xero: Path) -> None:
    runner = Runner(0, 1)  # the dirty check passes, the recording fails
    assert record.main(["xero"], {**LIVE, **XERO}, runner) == 1
    assert runner.commands[-2][:3] == ["git", "checkout", "HEAD"]
    assert runner.commands[-1][:2] == ["git", "clean"]


def test_uncommitted_cassettes_are_not_overwritten(fake_xero: Path) -> None:
    runner = Runner(1)  # git diff --quiet: there are changes
    assert record.main(["xero"], {**LIVE, **XERO}, runner) == 1
    assert len(runner.commands) == 1 and runner.commands[0][:3] == ["git", "diff", "--quiet"]


# -- the secret scan ----------------------------------------------------------------------

PLANTED = {
    "authorization header": "    headers:\n      Authorization:\n      - x\n",
    "bearer token": "      - Bearer abcdefghijklmnop.qrstuv\n",
    "basic credentials": "      - Basic QUJDREVGOmFiY2RlZmdoaWprbA==\n",
    "access token": '      string: \'{"access_token": "live-at-123"}\'\n',
    "refresh token": "    body: grant_type=refresh_token&refresh_token=rt-0042\n",
    "id token": '      string: \'{"id_token": "x.y.z"}\'\n',
    "client id": "    body: client_id=ABCDEF0123&grant_type=x\n",
    "client secret": '      string: \'{"client_secret": "hush"}\'\n',
    "authorisation code": "    uri: https://x/callback?code=4/0AbCdEf&state=1\n",
    "cookie": "      Set-Cookie:\n      - session=1\n",
    "xero tenant id": "      xero-tenant-id:\n      - x\n",
    "quickbooks realm id": "    uri: https://q/v3/company/4620816365272177790/query\n",
    "json web token": "      - eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig\n",
    "google token": '      string: \'{"token": "ya29.a0AfH6SMBabcdefghij"}\'\n',
}


@pytest.mark.parametrize("kind", sorted(PLANTED))
def test_the_scan_finds_each_kind_of_secret(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("interactions:\n- request:\n" + PLANTED[kind])
    found = scan.scan([tmp_path])
    assert kind in {f.kind for f in found}, found
    tally.record("real services: recording", bad_inputs=1, runs=1)


def test_the_scan_finds_literal_values_and_never_prints_them(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("a: 1\nb: my-special-client-id\n")
    (finding,) = scan.scan([path], [("client id", "my-special-client-id")])
    assert (finding.line, finding.kind) == (2, "client id")
    assert "my-special" not in str(finding)


def test_the_scan_passes_scrubbed_and_committed_cassettes(tmp_path: Path) -> None:
    clean = tmp_path / "c.yaml"
    clean.write_text(
        '      string: \'{"access_token": "scrubbed", "refresh_token": "scrubbed", '
        '"token_type": "Bearer", "expires_in": 1800}\'\n'
        f"    uri: https://q/v3/company/{cassettes.REPLAY_REALM}/query?minorversion=75\n"
        "    body: grant_type=refresh_token\n    status:\n      code: 200\n"
    )
    committed = Path(cassettes.__file__).parents[1] / "cassettes"
    assert scan.scan([clean, committed]) == []


# -- the shared scrubber, on traffic recorded from the emulators ---------------------------


def _xero_traffic(tmp_path: Path) -> tuple[object, list[tuple[str, str]]]:
    """List invoices on the Xero emulator with an expired token (so it refreshes)."""
    from tests.emulators.xero import XeroEmulator, ledger_for

    emulator = XeroEmulator().__enter__()
    token = emulator.issue_token(expires_in=1e-6)
    path = tmp_path / "xero-token.json"
    path.write_text(json.dumps(token))
    ledger = ledger_for(emulator, tmp_path, token_file=path)
    known = [
        ("client secret", emulator.identity.client_secret),
        ("xero tenant id", emulator.org.tenant_id),
        ("refresh token", token["refresh_token"]),
    ]

    def traffic() -> None:
        try:
            list(ledger.list_open_invoices())
            known.append(("access token", json.loads(path.read_text())["access_token"]))
        finally:
            emulator.__exit__(None, None, None)

    return traffic, known


def _quickbooks_traffic(tmp_path: Path) -> tuple[object, list[tuple[str, str]]]:
    from tests.emulators.quickbooks import QuickBooksEmulator, ledger_for
    from tests.emulators.quickbooks.helpers import token_file_for

    emulator = QuickBooksEmulator().__enter__()
    path = token_file_for(emulator, tmp_path / "qbo-token.json", expires_in=1e-6)
    token = json.loads(path.read_text())
    ledger = ledger_for(emulator, tmp_path, token_file=path)
    known = [
        ("client secret", emulator.identity.client_secret),
        ("quickbooks realm id", emulator.company.realm_id),
        ("refresh token", token["refresh_token"]),
    ]

    def traffic() -> None:
        try:
            list(ledger.list_open_invoices())
            known.append(("access token", json.loads(path.read_text())["access_token"]))
        finally:
            emulator.__exit__(None, None, None)

    return traffic, known


def _gmail_traffic(tmp_path: Path) -> tuple[object, list[tuple[str, str]]]:
    from google.oauth2.credentials import Credentials

    from mailer.gmail.transport import GmailTransport
    from tests.emulators.gmail import GmailEmulator

    emulator = GmailEmulator("huda@nakheel.example").__enter__()
    credentials = Credentials(
        token=None,
        refresh_token="gmail-refresh-token-value",
        token_uri=emulator.token_uri,
        client_id="gmail-client-id-value",
        client_secret="gmail-client-secret-value",
    )
    transport = GmailTransport(credentials=credentials, base_url=emulator.base_url)
    known = [
        ("client id", "gmail-client-id-value"),
        ("client secret", "gmail-client-secret-value"),
        ("refresh token", "gmail-refresh-token-value"),
    ]

    def traffic() -> None:
        try:
            transport.replies_since(None)
            known.append(("access token", credentials.token))
        finally:
            emulator.__exit__(None, None, None)

    return traffic, known


@pytest.mark.parametrize("service", ["xero", "quickbooks", "gmail"])
def test_the_shared_scrubber_keeps_every_secret_out(tmp_path: Path, service: str) -> None:
    make = {"xero": _xero_traffic, "quickbooks": _quickbooks_traffic, "gmail": _gmail_traffic}
    traffic, known = make[service](tmp_path)
    with cassettes.cassette(tmp_path, service, recording=True, match_on=("method", "path")):
        traffic()  # type: ignore[operator]
    path = tmp_path / f"{service}.yaml"
    text = path.read_text()
    interactions = yaml.safe_load(text)["interactions"]
    assert len(interactions) >= 2 and any("token" in i["request"]["uri"] for i in interactions)
    for interaction in interactions:
        request, response = interaction["request"], interaction["response"]
        assert not {h.lower() for h in request["headers"]} & set(cassettes.SECRET_HEADERS)
        assert not {h.lower() for h in response["headers"]} & {"set-cookie"}
        if "token" in request["uri"]:
            body = json.loads(response["body"]["string"])
            assert body["access_token"] == cassettes.SCRUBBED
    assert "/company/" not in text or f"/company/{cassettes.REPLAY_REALM}/" in text
    assert scan.scan([path], known) == []
    tally.record("real services: recording", bad_inputs=len(known), runs=1)


def test_without_the_scrubber_the_same_traffic_leaks(tmp_path: Path) -> None:
    import vcr

    traffic, known = _xero_traffic(tmp_path)
    raw = vcr.VCR(cassette_library_dir=str(tmp_path), record_mode="all")
    with raw.use_cassette("raw.yaml", decode_compressed_response=True):
        traffic()  # type: ignore[operator]
    kinds = {f.kind for f in scan.scan([tmp_path / "raw.yaml"], known)}
    assert {"authorization header", "xero tenant id", "refresh token"} <= kinds
