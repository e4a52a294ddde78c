"""Which extras the GitHub Action installs for a configuration."""

from __future__ import annotations

from ruamel.yaml import YAML

from sync.config.extras import extras_needed, main


def test_the_demo_configuration_needs_none():
    from sync.config.resources import example_config_dir

    data = YAML(typ="safe").load((example_config_dir() / "tahseel.yaml").read_text("utf-8"))
    assert extras_needed(data) == []


def test_ledgers_mailboxes_and_postgresql_anywhere_in_the_file():
    data = {
        "ledger": {"type": "xero"},
        "mailbox": {"type": "gmail"},
        "state": {"url": "postgresql+psycopg://tahseel@db/tahseel"},
        "organisations": [{"ledger": {"type": "quickbooks"}}, {"ledger": {"type": "csv"}}],
    }
    assert extras_needed(data) == ["gmail", "postgres", "quickbooks", "xero"]


def test_twilio_channels_need_the_twilio_sdk_and_the_file_channel_nothing():
    assert extras_needed({"channels": {"type": "twilio"}}) == ["twilio"]
    assert extras_needed({"channels": {"type": "file"}}) == []
    # A stage's list of channels is not the section.
    assert extras_needed({"policy": {"stages": [{"channels": ["email", "whatsapp"]}]}}) == []


def test_the_command_prints_them_comma_separated(tmp_path, capsys):
    config = tmp_path / "tahseel.yaml"
    config.write_text("ledger:\n  type: quickbooks\nmailbox: {type: gmail}\n", encoding="utf-8")
    assert main([str(config)]) == 0
    assert capsys.readouterr().out == "gmail,quickbooks\n"
    config.write_text("ledger: [\n", encoding="utf-8")
    assert main([str(config)]) == 2
    assert "not valid YAML" in capsys.readouterr().err
    assert main([str(tmp_path / "missing.yaml")]) == 2


def test_a_file_with_aliases_is_refused_not_expanded(tmp_path, capsys):
    path = tmp_path / "tahseel.yaml"
    path.write_text("a: &a [1, 2]\nb: [*a, *a]\nledger: {type: xero}\n", encoding="utf-8")
    assert main([str(path)]) == 2
    assert "YAML aliases (*a) are not allowed" in capsys.readouterr().err
