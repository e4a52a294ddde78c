"""A rung's text messages go beside its email, never before it, and none is lost.

When the mailbox cannot take the email (``TransportUnavailable``: nothing was sent; the
next run sends it), the rung's WhatsApp message, already recorded, is held too; the run
that sends the email sends it. The parts are real (``Job``, SQLite, a Maildir, the file
channel) around a ledger the test controls (``tests/support/world.py``).
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mailer.errors import TransportUnavailable
from sync.config.settings import Settings
from sync.store.texts import TextLog
from tests.support.world import World, make_settings, scratch_folder

RIYADH = ZoneInfo("Asia/Riyadh")
NOW = datetime(2027, 2, 17, 10, 0, tzinfo=RIYADH)  # a Wednesday, in the send window


@pytest.fixture
def world():
    folder = scratch_folder()
    settings = make_settings(
        folder,
        timezone="Asia/Riyadh",
        weekend=("friday", "saturday"),
        holidays=(),
        stages=[{"name": "overdue", "offset_days": 1}],
    )
    data = settings.model_dump(mode="json", exclude={"source"})
    data["business"]["country"] = "SA"
    data["policy"]["stages"][0]["channels"] = ["email", "whatsapp"]
    data["channels"] = {
        "type": "file",
        "outbox": f"{folder}/texts/outbox.jsonl",
        "whatsapp": {"sender": "+966500000001", "templates": {"overdue": {"en": "HX" + "0" * 32}}},
    }
    texting = Settings.model_validate({**data, "source": settings.source})
    yield World(folder, texting)
    shutil.rmtree(folder, ignore_errors=True)


def texts(world: World) -> list[dict]:
    path = world.folder / "texts" / "outbox.jsonl"
    return [json.loads(x) for x in path.read_text("utf-8").splitlines()] if path.exists() else []


def test_a_text_waits_for_its_email_when_the_mailbox_cannot_take_it(world, monkeypatch):
    world.add_invoice("INV-001", (NOW - timedelta(days=3)).date(), NOW - timedelta(days=40))

    def refuse(*args, **kwargs):
        raise TransportUnavailable("maildir: the disk is full")

    monkeypatch.setattr(type(world.transport), "send", refuse)
    report = world.run(NOW)
    assert report is not None and report.errors, "the email was refused"
    assert texts(world) == [], "the WhatsApp message went before its email"
    [held] = TextLog(world.store, world.settings.tenant).rows()
    assert held.status == "deferred"

    monkeypatch.undo()
    world.forget_process()
    report = world.run(NOW + timedelta(hours=1))
    assert report is not None and not report.errors, report.errors
    assert [m.stage for m in world.sent() if m.invoice == "INV-001"] == ["overdue"]
    [text] = texts(world)
    assert text["to"].startswith("+96650")  # the contact's 050... number, in E.164
    assert text["tag"].startswith("INV-001/")
    again = world.run(NOW + timedelta(hours=2))
    assert again is not None and len(texts(world)) == 1


def test_a_named_policy_texts_its_customers_and_the_default_does_not(world):
    # The default ladder emails only; customer c-INV-002 follows `whatsapp_first`, whose
    # stage of the same name also texts: its channels are its own policy's.
    data = world.settings.model_dump(mode="json", exclude={"source"})
    named = json.loads(json.dumps(data["policy"]))
    data["policy"]["stages"][0]["channels"] = ["email"]
    data["policies"] = {"whatsapp_first": named}
    data["customers"] = {"c-INV-002": {"policy": "whatsapp_first"}}
    world.settings = Settings.model_validate({**data, "source": world.settings.source})
    for number in ("INV-001", "INV-002"):
        world.add_invoice(number, (NOW - timedelta(days=3)).date(), NOW - timedelta(days=40))
    report = world.run(NOW)
    assert report is not None and not report.errors, report.errors
    assert sorted(m.invoice for m in world.sent()) == ["INV-001", "INV-002"]
    assert [t["tag"].split("/")[0] for t in texts(world)] == ["INV-002"]
