"""A second reading of a reply by a language model, through ``llm``; off unless configured.

When ``replies.model`` names a model, ``second_reading`` asks it what the reply means
and compares its answer with the rules' reading: the rules' reading stands only when
the model agrees (same intent; for a promise, the same date). Otherwise the reply
becomes ``other`` and the person told gets both readings.

What is sent to the model's provider: the reply's subject (usually "Re:" and the subject
of the reminder, with the invoice number), the day the reply arrived, and the customer's
own words (quoted history and signature removed, at most ``MAX_CHARS`` characters).
Nothing is read from the ledger for it: no amounts, addresses or names beyond what the
reply itself holds. A local model (the ``llm-gpt4all`` or ``llm-ollama`` plugins)
keeps it all on the machine.

The model must answer with JSON: ``{"intent": one of the seven, "promised_date":
"YYYY-MM-DD" or null, "date_words": the words of the reply that name that date}``.
A date whose words are not in the reply is refused: the model may not invent one.

``llm`` is imported only when a model is asked; everything else here is pure.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sync.replies.promises import promised_date
from sync.replies.text import normalise, own_words
from sync.replies.understanding import Intent, Understanding

MAX_CHARS = 4000
_MAX_DOUBT = 300  # it ends up in a notice's subject line
PROMPT = """You read customers' replies to payment reminders for invoices.
Say what this reply means, as one JSON object and nothing else:
{{"intent": "<one of: {intents}>", "promised_date": "<YYYY-MM-DD or null>",
"date_words": "<the exact words of the reply that name the promised date, or null>"}}
invoice_not_received: they did not get the invoice or ask for a copy; already_paid: they
say it is paid; dispute: they contest the invoice or the work; payment_plan: they ask
to pay in parts or for more time because they cannot pay; promise_to_pay: they say
they will pay (give the date only if the reply names one); auto_reply: written by a
machine; other: anything else. The reply arrived on {received} ({weekday}).
Subject: {subject}
Reply:
{text}"""
_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Reading:
    """What the model said, after checking.

    Attributes:
        intent: The intent it chose, or None when its answer was not one of the seven.
        promised: The promised date it gave, when its words are in the reply.
        refused: Why a part of its answer was refused, or empty.
    """

    intent: Intent | None
    promised: date | None = None
    refused: str = ""


def prompt_for(text: str, *, subject: str, received: date) -> str:
    """The prompt sent to the model: the subject, the day, and the customer's own words."""
    return PROMPT.format(
        intents=", ".join(i.value for i in Intent),
        received=received.isoformat(),
        weekday=f"{received:%A}",
        subject=subject[:200],
        text=own_words(text)[:MAX_CHARS],
    )


def check(answer: str, text: str, received: date) -> Reading:
    """Read the model's answer; refuse an unknown intent and a date not in the reply."""
    found = _OBJECT.search(answer)
    try:
        data: Any = json.loads(found.group()) if found else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return Reading(None, refused=f"the model's answer is not JSON: {answer[:80]!r}")
    try:
        intent = Intent(str(data.get("intent")))
    except ValueError:
        return Reading(None, refused=f"the model answered an unknown intent {data.get('intent')!r}")
    given, words = data.get("promised_date"), data.get("date_words")
    if not given:
        return Reading(intent)
    own = normalise(own_words(text))
    quoted = normalise(str(words or ""))
    if not quoted or quoted not in own:
        return Reading(intent, refused=f"the model gave {given}, from words not in the reply")
    try:
        day = date.fromisoformat(str(given))
    except ValueError:
        return Reading(intent, refused=f"the model gave {given!r}, not a date")
    ours = promised_date(quoted, received)
    if day < received or (ours is not None and ours != day):
        return Reading(intent, refused=f"the model gave {day} for {quoted!r}")
    return Reading(intent, day)


def ask(model_id: str, prompt: str) -> str:
    """The model's answer to ``prompt``; raises whatever the model or its plugin raises."""
    import llm  # noqa: PLC0415 - an optional extra, imported only when configured

    return str(llm.get_model(model_id).prompt(prompt).text())


def second_reading(
    meant: Understanding, text: str, *, subject: str, received: date, model_id: str
) -> Understanding:
    """``meant`` when the model agrees with it; else ``other`` with both readings.

    Args:
        meant: The rules' reading.
        text: The reply's body as it arrived.
        subject: Its subject.
        received: The day it arrived, in the writer's time zone.
        model_id: The ``llm`` model id (``replies.model``).

    Returns:
        ``meant``, or an ``other`` whose ``doubt`` says what each reading was.
    """
    try:
        answer = ask(model_id, prompt_for(text, subject=subject, received=received))
    except ImportError:
        return _disagree(meant, "llm is not installed (pip install 'tahseel[llm]')")
    except Exception as exc:  # noqa: BLE001 - any plugin's failure means no agreement
        return _disagree(meant, f"the model {model_id} could not be asked ({exc})")
    reading = check(answer, text, received)
    theirs = reading.intent.value if reading.intent else "nothing usable"
    if reading.promised:
        theirs += f" on {reading.promised}"
    if reading.refused:
        theirs += f"; {reading.refused}"
    agrees = reading.intent is meant.intent and not reading.refused
    dated = meant.intent is Intent.PROMISE_TO_PAY
    if agrees and (not dated or meant.promised_date == reading.promised):
        return meant
    return _disagree(meant, f"the model {model_id} read {theirs}")


def _disagree(meant: Understanding, theirs: str) -> Understanding:
    ours = meant.intent.value + (f" on {meant.promised_date}" if meant.promised_date else "")
    doubt = " ".join(f"the rules read {ours} (confidence {meant.score:.2f}); {theirs}".split())
    doubt = doubt if len(doubt) <= _MAX_DOUBT else doubt[: _MAX_DOUBT - 1] + "…"
    return Understanding(Intent.OTHER, evidence=meant.evidence, score=meant.score, doubt=doubt)
