"""A firm of several organisations on disk: one configuration, a CSV ledger and a Maildir each.

Built from the demo (``sync.cli.demo.install``), so every organisation has the demo's
invoices, reply and policy; each has its own business name, sender and folder.
"""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import date
from email import policy
from email.parser import BytesParser
from pathlib import Path

from sync.cli import demo

parse = BytesParser(policy=policy.default).parsebytes


def make_firm(
    root: Path, names: tuple[str, ...], *, state_url: str, anchor: date, replies: bool = True
) -> Path:
    """Write ``root/tahseel.yaml`` listing ``names``, each with its own ledger and mailbox.

    The top-level settings are the demo's (policy, calendar, payment link, templates);
    each organisation overrides business name, sender, ledger path and mailbox path.
    Without ``replies`` the customer's reply is taken out of each inbox (no resend).
    """
    base = root / "base"
    demo.install(base, anchor=anchor)
    text = (base / "tahseel.yaml").read_text("utf-8")
    text = text.replace("path: demo/invoices.csv", "path: base/demo/invoices.csv")
    text = text.replace("path: demo/mailbox", "path: base/demo/mailbox")
    text = text.replace("templates: templates", "templates: base/templates")
    text = text.replace("url: sqlite:///tahseel-state.db", f"url: {state_url}")
    entries = ["organisations:"]
    for name in names:
        shutil.copytree(base / "demo", root / name)
        if not replies:
            for message in (root / name / "mailbox" / "new").iterdir():
                message.unlink()
        entries += [
            f"  - name: {name}",
            "    business:",
            f"      name: {name.title()} Trading",
            "    sender:",
            f"      name: {name.title()} Accounts",
            f"      email: accounts@{name}.example",
            "    ledger:",
            f"      path: {name}/invoices.csv",
            "    mailbox:",
            f"      path: {name}/mailbox",
        ]
    config = root / "tahseel.yaml"
    config.write_text(text + "\n" + "\n".join(entries) + "\n", encoding="utf-8")
    return config


def sent(root: Path, names: tuple[str, ...]) -> Counter[tuple[str, str, str]]:
    """How many messages each organisation sent per (organisation, invoice, stage).

    Only its own count: the demo's Maildir, copied, holds a message the demo business
    sent earlier.
    """
    found: Counter[tuple[str, str, str]] = Counter()
    for name in names:
        folder = root / name / "mailbox" / ".Sent"
        for path in (p for sub in ("cur", "new") for p in (folder / sub).glob("*")):
            message = parse(path.read_bytes())
            stage = message.get("X-Tahseel-Stage")
            if stage and str(message["Message-ID"]).endswith(f"@{name}.example>"):
                found[(name, str(message.get("X-Tahseel-Invoice")), str(stage))] += 1
    return found
