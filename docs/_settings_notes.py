"""What each setting means, for the settings whose model does not say it yet.

``_generate.settings_reference`` takes a field's meaning from the code first (the
field's ``description``, or a docstring under the field), then from here, keyed
``Model.field``; for a field holding one model, the model's docstring will do. It
refuses a note for a setting that does not exist, a note repeating what the code
already says, and a setting described nowhere, so that ``cog --check`` fails
when the models and this file part ways. Moving a note into the model (as a
docstring under the field) is always welcome: delete it here then.
"""

_SERVICE_URL = "where the service is; set only for a proxy or a test server"

NOTES: dict[str, str] = {
    # The top level
    "Settings.ledger": (
        "where invoices come from; `type` chooses the kind: `csv` (when absent), `xero` "
        "or `quickbooks`. An organisation's `ledger` of another `type` replaces this one "
        "whole"
    ),
    "Settings.mailbox": (
        "how mail is sent and replies read; `type` chooses the kind: `maildir` (when "
        "absent) or `gmail`"
    ),
    "Settings.templates": (
        "your templates folder; the built-in templates fill any gap (see [Templates](templates.md))"
    ),
    "Settings.notify": (
        "who is emailed when a reply needs a person (paid, dispute, instalments, other); "
        "`sender.email` when empty"
    ),
    "Settings.mode": (
        "`preview` sends nothing; `test` sends everything to `test_recipients`; `live` "
        "sends to the customers. `tahseel init` writes `preview`"
    ),
    "Settings.test_recipients": "required in `test` mode, refused in `live` mode",
    # business, sender, state
    "BusinessSettings.name": "the business, as reminders and notes name it",
    "BusinessSettings.timezone": 'IANA zone in which "today" and the send window are read',
    "SenderSettings.name": "who the mail is from: the name",
    "SenderSettings.email": "who the mail is from: the address",
    "SenderSettings.reply_to": "where answers go, if not the sender",
    "StateSettings.url": (
        "the state store: an SQLite file beside the configuration, or "
        "`postgresql+psycopg://user@host/db` (install with `pip install '.[postgres]'`; "
        "see [The state store](state.md))"
    ),
    # the ledgers
    "CsvLedgerSettings.type": "`csv`, or leave it out",
    "CsvLedgerSettings.path": "the CSV file (see [The CSV ledger](ledgers/csv.md))",
    "CsvLedgerSettings.payment_link": (
        "the payment-link pattern: `{number}`, `{id}`, `{amount_due}`, `{currency}` and "
        "`{contact_id}` are filled in"
    ),
    "CsvLedgerSettings.notes_path": (
        "the notes file; when not set, `<ledger file stem>.notes.csv` beside the CSV"
    ),
    "CsvLedgerSettings.pdf_font": (
        "a TrueType font with Arabic for the PDFs; DejaVu Sans when not set"
    ),
    "CsvLedgerSettings.delimiter": (
        'between columns: `","`, `";"`, `"\\t"` (a tab) or `"|"`; `tahseel check` says'
        " when the file's header is separated by another"
    ),
    "CsvLedgerSettings.decimal": (
        'before the cents of an amount: `"."` or `","`; must differ from `thousands`'
    ),
    "CsvLedgerSettings.thousands": (
        'between groups of three digits: `","`, `"."`, `" "` or `"\'"`, or `null` when'
        " amounts are not grouped. An amount with more decimals than its currency has"
        " (`1.000` in SAR) is not read: it is reported as a problem"
    ),
    "CsvLedgerSettings.encoding": (
        "the file's encoding, e.g. `windows-1256` for an export from Arabic Windows;"
        " `tahseel check` says when the file reads as another"
    ),
    "XeroLedgerSettings.type": "`xero` (see [Xero](ledgers/xero.md))",
    "XeroLedgerSettings.client_id_env": "the variable holding the Xero app's client id",
    "XeroLedgerSettings.client_secret_env": "the variable holding the Xero app's client secret",
    "XeroLedgerSettings.token_file": "the token set `tahseel auth xero` writes, mode 0600",
    "XeroLedgerSettings.token_env": (
        "a variable that may hold the token set instead (CI): JSON, as in the token file; "
        "the later-expiring of variable and file wins"
    ),
    "XeroLedgerSettings.tenant_id": (
        "the organisation, when the token covers several; the only one when not set"
    ),
    "XeroLedgerSettings.arabic_group": "the contact group whose members get Arabic mail",
    "XeroLedgerSettings.daily_limit": "calls a day the run may use (1000 on Xero's Starter plan)",
    "XeroLedgerSettings.auth_port": (
        "the loopback port of the redirect URI `http://localhost:8765/callback`"
    ),
    "XeroLedgerSettings.api_url": _SERVICE_URL,
    "XeroLedgerSettings.identity_url": _SERVICE_URL,
    "XeroLedgerSettings.connections_url": _SERVICE_URL,
    "XeroLedgerSettings.login_url": _SERVICE_URL,
    "QuickBooksLedgerSettings.type": (
        "`quickbooks` (see [QuickBooks Online](ledgers/quickbooks.md))"
    ),
    "QuickBooksLedgerSettings.client_id_env": "the variable holding the Intuit app's client id",
    "QuickBooksLedgerSettings.client_secret_env": (
        "the variable holding the Intuit app's client secret"
    ),
    "QuickBooksLedgerSettings.token_file": (
        "the token set `tahseel auth quickbooks` writes, with the company's realm id"
    ),
    "QuickBooksLedgerSettings.token_env": "a variable that may hold the token set instead (CI)",
    "QuickBooksLedgerSettings.realm_id": "the company; from the token file when not set",
    "QuickBooksLedgerSettings.environment": "`sandbox` for a sandbox company",
    "QuickBooksLedgerSettings.email_source": (
        "whom to remind: the invoice's bill-to email (`bill`), the customer's "
        "(`customer`), or `both`"
    ),
    "QuickBooksLedgerSettings.language_field": "a custom field holding `en` or `ar`",
    "QuickBooksLedgerSettings.reference_field": (
        "a custom field shown as the reference, e.g. `P.O. Number`"
    ),
    "QuickBooksLedgerSettings.payment_link": (
        "the payment-link pattern, for when online payments are off, e.g. "
        '`"https://pay.example.com/{number}"`'
    ),
    "QuickBooksLedgerSettings.auth_port": (
        "the loopback port of the redirect URI `http://localhost:8765/callback`"
    ),
    "QuickBooksLedgerSettings.api_url": _SERVICE_URL,
    "QuickBooksLedgerSettings.discovery_url": _SERVICE_URL,
    # the mailboxes
    "MaildirSettings.type": "`maildir`, or leave it out (see [Maildir](mailboxes/maildir.md))",
    "MaildirSettings.path": "the Maildir",
    "GmailSettings.type": "`gmail` (see [Gmail](mailboxes/gmail.md))",
    "GmailSettings.token_file": "the token `tahseel auth gmail` writes, mode 0600",
    "GmailSettings.token_env": "a variable that may hold the token instead (CI)",
    "GmailSettings.client_secrets_file": "the OAuth client `tahseel auth gmail` uses",
    "GmailSettings.service_account_file": (
        "a Workspace service account key with domain-wide delegation, instead of a token"
    ),
    "GmailSettings.label": "the label on every message Tahseel sends",
    "GmailSettings.daily_cap": "emails a day; the run stops (never sleeps) when it is reached",
    "GmailSettings.api_url": _SERVICE_URL,
    "GmailSettings.token_uri": _SERVICE_URL,
    # calendar and language
    "CalendarSettings.weekend": "days without mail",
    "CalendarSettings.holidays": (
        "dates without mail: `2026-12-02`, or Umm al-Qura dates written `hijri:1448-10-01`,"
        " `hijri:10-01` (that day every Hijri year) or a range `hijri:10-01..10-03`"
    ),
    "SendWindow.start": "mail goes out only from this time, in `business.timezone`",
    "SendWindow.end": "and until this time",
    "LanguageSettings.default": "for customers whose language the ledger does not give",
    "LanguageSettings.digits": "`latin` (123) or `arabic` (١٢٣) digits in Arabic messages",
    "LanguageSettings.calendar": (
        "dates in Arabic messages: `gregorian`, `hijri` (Umm al-Qura) or `both`"
        ' ("26 جمادى الآخرة 1448 هـ (6 ديسمبر 2026)"); English ones stay Gregorian'
        " (see [Templates](templates.md#hijri-dates))"
    ),
    "LanguageSettings.contacts": "a language per customer, by ledger id or name",
    # the policy
    "Policy.min_days_between": (
        "the fewest days between two messages about one invoice; the gap between two rungs"
        " of the ladder is kept on top of it (see [the ladder](ladder.md))"
    ),
    "Policy.minimum_amount": (
        "per currency (an ISO 4217 code), invoices owing less are not chased, e.g. "
        "`{SAR: 10}`; never negative"
    ),
    "Policy.stages": "the ladder, in order of `offset_days` (see [The ladder](ladder.md))",
    "Exclusions.contacts": "customers (id or name) never chased",
    "Exclusions.invoices": "invoice numbers never chased",
    "Exclusions.references": "invoice references never chased",
    "Stage.name": (
        "the stage's name, also its template's name unless `template` is set: lowercase "
        "letters, digits and `_`, unique, not `resend` or `thank_you`"
    ),
    "Stage.offset_days": "days from the due date; negative is before it",
    "Stage.repeat_every_days": "repeat the stage this often while late",
    "Stage.repeat_limit": "how many repeats after the first; needs `repeat_every_days`",
    "Stage.template": (
        "the template's name, e.g. `overdue` for `templates/en/overdue.*`; the stage's "
        "name when not set"
    ),
    "Stage.attach_pdf": "attach the invoice PDF",
    "Stage.cc": "extra addresses to copy",
    "Stage.action": (
        "`email`, or `escalate`: stop the customer's reminders and hand the invoice to "
        "the people in `escalation.to` with its dossier and a demand letter (see "
        "[The ladder](ladder.md#when-a-case-is-escalated))"
    ),
    "ThankYou.enabled": "one thank-you when a reminded invoice is paid",
    "ThankYou.template": "its template",
    "AcknowledgeSettings.enabled": "thank a customer who promises a date, confirming it",
    "AcknowledgeSettings.template": "its template",
    "Resend.template": "the template of an invoice sent again on request",
    # safety and heartbeat
    "Safety.max_emails_per_run": "a plan with more emails stops before the first one",
    "Safety.max_share_of_open": "so does a plan emailing more than this share of the open invoices",
    "Safety.max_growth": "so does a plan this many times larger than recent runs sent",
    "HeartbeatSettings.max_age": (
        "`tahseel heartbeat` fails when no run succeeded for longer than this (26 hours: "
        "`90m`, `26h`, `2d`, `1d12h`)"
    ),
    # replies
    "RepliesSettings.min_confidence": (
        "a reply read with a confidence below this is treated as `other`: nothing is done "
        "automatically (no resend, snooze or pause) and a person is told the guess and its score"
    ),
    "RepliesSettings.model": (
        "an [`llm`](https://llm.datasette.io) model id (e.g. `gpt-4o-mini`, or a local "
        "model through a plugin) asked for a second reading; the action is automatic only "
        "when it agrees with the rules. Off when empty; install with `pip install '.[llm]'`"
    ),
}
