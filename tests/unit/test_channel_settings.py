"""WhatsApp and SMS settings, the texts' words and checks: pure, no network, no clock."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from connectors.addresses import parse_channels, parse_phones
from connectors.csvformat import Unaccepted
from sync.config.loader import load_settings
from sync.config.resources import example_config_dir
from sync.errors import ConfigError
from sync.run.checks import check_templates
from sync.run.outbound import sample_invoice
from sync.run.text_compose import tag_for
from sync.run.text_replies import is_stop
from sync.run.wiring import build_renderer

BASE = """\
business:
  name: Test Co
  timezone: Asia/Riyadh
  country: SA
sender:
  name: Accounts
  email: ar@test.example
policy:
  stages:
    - name: due
      offset_days: 0
    - name: overdue
      offset_days: 5
      channels: [email, whatsapp, sms]
"""

CHANNELS = """\
channels:
  type: twilio
  whatsapp:
    sender: "+966500000001"
    templates:
      overdue: {en: HX0123456789abcdef0123456789abcdef, ar: HXfedcba9876543210fedcba9876543210}
  sms:
    sender: TestCo
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tahseel.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, text))
    return "\n".join(str(i) for i in info.value.issues)


def test_stages_send_email_only_unless_they_say():
    settings = load_settings(example_config_dir() / "tahseel.yaml")
    channels = {s.name: s.channels for s in settings.policy.stages}
    assert channels["due"] == ("email",)
    assert channels["courtesy"] == ("email", "whatsapp")
    assert settings.business.country == "SA"


def test_a_text_channel_needs_the_channels_section(tmp_path):
    found = problems(tmp_path, BASE)
    assert "stages[1] 'overdue' sends on whatsapp" in found and "channels:" in found


def test_twilio_needs_each_used_sender(tmp_path):
    text = BASE + CHANNELS.replace("    sender: TestCo\n", "    max_segments: 2\n")
    assert "set channels.sms.sender" in problems(tmp_path, text)


def test_a_content_sid_is_checked_and_the_invoice_is_mapped(tmp_path):
    bad_sid = BASE + CHANNELS.replace("HX0123456789abcdef0123456789abcdef", "overdue-en")
    assert "not a Content SID" in problems(tmp_path, bad_sid)
    unmapped = (BASE + CHANNELS).replace(
        "  sms:", '    variables: {"1": customer, "2": amount}\n  sms:'
    )
    assert "map one to `invoice`" in problems(tmp_path, unmapped)


def test_customers_choose_among_the_channels_and_country_is_two_letters(tmp_path):
    text = BASE + CHANNELS + "customers:\n  C-1: {channels: [whatsapp]}\n  C-2: {channels: [fax]}\n"
    assert "customers.C-2.channels" in problems(tmp_path, text)
    ok = load_settings(write(tmp_path, BASE + CHANNELS + "customers:\n  C-1: {channels: [sms]}\n"))
    assert ok.customers["C-1"].channels == ("sms",)
    assert "not a country code" in problems(tmp_path, BASE.replace("country: SA", "country: KSA"))


def test_csv_phones_and_channels_columns():
    assert parse_phones("050 123 4567; +966 11 234 5678, 050 123 4567") == (
        "050 123 4567",
        "+966 11 234 5678",
    )
    assert parse_channels("WhatsApp, email") == ("whatsapp", "email")
    with pytest.raises(Unaccepted):
        parse_channels("whatsapp, fax")


@pytest.mark.parametrize(
    "text", ["STOP", "stop.", " Unsubscribe ", "إيقاف", "ايقاف", "الغاء", "إلغاء", "وقف", "وَقْف"]
)
def test_stop_in_english_and_arabic(text):
    assert is_stop(text)


@pytest.mark.parametrize("text", ["please stop sending the invoice twice", "لا تتوقف", "ok"])
def test_a_sentence_is_not_a_stop(text):
    assert not is_stop(text)


def test_the_tag_is_the_invoice_number_and_a_key_stable_per_rung_and_channel():
    invoice = sample_invoice()
    tag = tag_for("T", invoice, "overdue", 0, "whatsapp")
    assert tag.startswith(invoice.number + "/") and len(tag) == len(invoice.number) + 5
    assert tag == tag_for("T", invoice, "overdue", 0, "whatsapp")
    others = {tag_for("T", invoice, s, c, k) for s in ("due", "overdue") for c in (0, 1)
              for k in ("sms", "whatsapp")}  # fmt: skip
    assert len(others) == 8


def sms_everywhere(tmp_path: Path) -> Path:
    """The example configuration with every stage also sending SMS."""
    source = (example_config_dir() / "tahseel.yaml").read_text("utf-8")
    text = source.replace(
        "      channels: [email, whatsapp]", "      channels: [email, whatsapp, sms]"
    )
    for name in ("due", "overdue", "weekly", "final"):
        text = re.sub(  # the default policy's stages (a named policy's are indented more)
            rf"(?m)^    - name: {name}\n",
            f"    - name: {name}\n      channels: [email, sms]\n",
            text,
        )
    text = text.replace("  # sms:\n  #   sender: Nakheel", "  sms:\n    sender: Nakheel")
    text = text.replace("templates: templates ", "templates: null ")
    path = write(tmp_path, text)
    (tmp_path / "demo").mkdir()
    return path


def test_every_built_in_sms_template_renders_with_its_tag_within_three_segments(tmp_path):
    settings = load_settings(sms_everywhere(tmp_path))
    assert settings.channels is not None and settings.channels.sms.max_segments == 3
    assert check_templates(settings, build_renderer(settings)) == []


def test_an_sms_over_the_segments_allowed_is_refused_naming_its_file(tmp_path):
    path = sms_everywhere(tmp_path)
    own = tmp_path / "mine" / "ar"
    own.mkdir(parents=True)
    (own / "due.sms.txt").write_text("{{ tag }} " + "تذكير " * 60 + "\n", "utf-8")
    text = path.read_text("utf-8").replace("templates: null ", "templates: mine ")
    settings = load_settings(write(tmp_path, text))
    found = check_templates(settings, build_renderer(settings))
    assert len(found) == 1 and str(own / "due.sms.txt") in found[0]
    assert "more than the 3 allowed" in found[0] and "UCS-2" in found[0]


def test_an_sms_template_without_the_tag_is_refused(tmp_path):
    path = sms_everywhere(tmp_path)
    own = tmp_path / "mine" / "en"
    own.mkdir(parents=True)
    (own / "final.sms.txt").write_text("Pay invoice {{ invoice.number }}\n", "utf-8")
    text = path.read_text("utf-8").replace("templates: null ", "templates: mine ")
    settings = load_settings(write(tmp_path, text))
    found = check_templates(settings, build_renderer(settings))
    assert found == [
        f"{own / 'final.sms.txt'}: does not show {{{{ tag }}}}: add it (it finds a message again)"
    ]


def test_a_test_run_texts_only_the_test_number(tmp_path):
    from sync.run.reach import Reach

    class NoOptOuts:
        def opted_out(self):
            return {}

    test = BASE.replace("business:", "mode: test\ntest_recipients: [me@test.example]\nbusiness:")
    invoice = sample_invoice()
    settings = load_settings(write(tmp_path, test + CHANNELS))
    number, why = Reach(settings, NoOptOuts()).number(invoice, "whatsapp")
    assert number is None and "channels.test_number" in why
    settings = load_settings(write(tmp_path, test + CHANNELS + '  test_number: "+966509999999"\n'))
    assert Reach(settings, NoOptOuts()).number(invoice, "sms") == ("+966509999999", None)


def test_a_stage_without_email_is_refused_for_now(tmp_path):
    text = (BASE + CHANNELS).replace("channels: [email, whatsapp, sms]", "channels: [sms]")
    assert "leaves out email" in problems(tmp_path, text)
