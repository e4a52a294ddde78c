"""The optional second reading by a language model, with a fake model registered in llm."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import llm
import pytest

from sync.replies.model import check, prompt_for, second_reading
from sync.replies.understanding import Intent, understand

RECEIVED = date(2026, 11, 23)  # a Monday
MODEL = "tahseel-fake"


class FakeModel(llm.Model):
    """Answers whatever the test set, and keeps the prompts it was sent."""

    model_id = MODEL
    can_stream = False
    answer = ""
    prompts: list[str] = []  # noqa: RUF012 - shared with the test on purpose

    def execute(self, prompt, stream, response, conversation):  # type: ignore[no-untyped-def]
        FakeModel.prompts.append(prompt.prompt)
        yield FakeModel.answer


class FakePlugin:
    """An llm plugin, as a package registering a model would be."""

    @llm.hookimpl
    def register_models(self, register):  # type: ignore[no-untyped-def]
        register(FakeModel())


@pytest.fixture
def model() -> Iterator[type[FakeModel]]:
    llm.pm.register(FakePlugin(), name=MODEL)
    FakeModel.prompts = []
    try:
        yield FakeModel
    finally:
        llm.pm.unregister(name=MODEL)


def answer(intent: str, promised: str | None = None, words: str | None = None) -> str:
    return json.dumps({"intent": intent, "promised_date": promised, "date_words": words})


def read(text: str) -> tuple[object, object]:
    meant = understand(text, received=RECEIVED)
    return meant, second_reading(
        meant, text, subject="Re: INV-1", received=RECEIVED, model_id=MODEL
    )


def test_the_reading_stands_when_the_model_agrees(model):
    model.answer = "Sure! " + answer("promise_to_pay", "2026-11-26", "on Thursday")
    meant, settled = read("We will pay on Thursday.")
    assert meant.intent is Intent.PROMISE_TO_PAY and meant.promised_date == date(2026, 11, 26)
    assert settled is meant


def test_a_person_is_told_both_readings_when_the_model_disagrees(model):
    model.answer = answer("dispute")
    meant, settled = read("We will pay on Thursday.")
    assert settled.intent is Intent.OTHER
    assert "the rules read promise_to_pay on 2026-11-26" in settled.doubt
    assert f"the model {MODEL} read dispute" in settled.doubt


def test_a_different_date_is_a_disagreement(model):
    model.answer = answer("promise_to_pay", "2026-12-15", "the 15th")
    _, settled = read("We will pay on Thursday, or the 15th at the latest.")
    assert settled.intent is Intent.OTHER and "on 2026-12-15" in settled.doubt


def test_a_date_the_model_invents_is_refused(model):
    model.answer = answer("promise_to_pay", "2026-11-26", "on Thursday")
    meant, settled = read("We will pay soon, sorry.")
    assert meant.intent is Intent.PROMISE_TO_PAY and meant.promised_date is None
    assert settled.intent is Intent.OTHER
    assert "from words not in the reply" in settled.doubt
    # the same date as the rules, but said in words the customer did not write: refused
    model.answer = answer("promise_to_pay", "2026-11-26", "on 26 November")
    meant, settled = read("We will pay on Thursday.")
    assert meant.promised_date == date(2026, 11, 26)
    assert settled.intent is Intent.OTHER and "from words not in the reply" in settled.doubt


def test_a_date_that_does_not_match_its_words_is_refused():
    reading = check(
        answer("promise_to_pay", "2026-11-30", "on Thursday"), "pay on Thursday", RECEIVED
    )
    assert reading.promised is None and "2026-11-30" in reading.refused


def test_an_answer_that_is_not_one_of_the_intents_is_refused(model):
    model.answer = answer("angry_customer")
    _, settled = read("Please resend the invoice.")
    assert settled.intent is Intent.OTHER and "unknown intent" in settled.doubt
    model.answer = "I think they want the invoice again."
    _, settled = read("Please resend the invoice.")
    assert settled.intent is Intent.OTHER and "not JSON" in settled.doubt


def test_a_model_that_cannot_be_asked_means_a_person_reads_it():
    meant = understand("Please resend the invoice.", received=RECEIVED)
    settled = second_reading(meant, "x", subject="", received=RECEIVED, model_id="no-such-model")
    assert settled.intent is Intent.OTHER and "could not be asked" in settled.doubt


def test_only_the_customers_own_words_are_sent(model):
    model.answer = answer("invoice_not_received")
    text = (
        "Please resend the invoice.\n\nOn Mon, 23 Nov 2026 Accounts wrote:\n> Amount due: 4,200 AED"
    )
    read(text)
    (sent,) = model.prompts
    assert sent == prompt_for(text, subject="Re: INV-1", received=RECEIVED)
    assert "Please resend the invoice." in sent and "4,200" not in sent
    assert "2026-11-23 (Monday)" in sent


def test_a_configured_model_asks_for_the_llm_extra():
    from sync.config.extras import extras_needed

    assert extras_needed({"replies": {"model": "gpt-4o-mini"}}) == ["llm"]
    assert extras_needed({"replies": {"min_confidence": 0.9, "model": None}}) == []


def test_without_llm_installed_a_person_reads_it_and_is_told_what_to_install(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "llm", None)  # import llm now raises ImportError
    meant = understand("Please resend the invoice.", received=RECEIVED)
    settled = second_reading(meant, "x", subject="", received=RECEIVED, model_id=MODEL)
    assert settled.intent is Intent.OTHER and "pip install 'tahseel[llm]'" in settled.doubt
