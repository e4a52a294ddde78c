"""The mailer.gmail package: importing it is cheap, GmailTransport comes on demand."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _modules_after(code: str) -> set[str]:
    """The modules loaded by a fresh interpreter after running ``code``."""
    probe = f"import sys\n{code}\nprint('\\n'.join(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(done.stdout.split())


def test_importing_the_package_loads_no_google_client_and_no_transport() -> None:
    loaded = _modules_after("import mailer.gmail")
    assert "mailer.gmail" in loaded
    assert not {m for m in loaded if m.startswith(("googleapiclient", "google", "httplib2"))}
    assert "mailer.gmail.transport" not in loaded


def test_gmail_transport_is_re_exported_on_demand() -> None:
    import mailer.gmail
    from mailer.gmail.transport import GmailTransport

    assert mailer.gmail.GmailTransport is GmailTransport
    assert "GmailTransport" in mailer.gmail.__all__
    try:
        mailer.gmail.NoSuchName  # noqa: B018
    except AttributeError as exc:
        assert "NoSuchName" in str(exc)
    else:
        raise AssertionError("an unknown name must raise AttributeError")
