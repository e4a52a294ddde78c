"""The page of ``tahseel report``: one self-contained HTML file, charts drawn as inline SVG.

Nothing on the page is fetched: no scripts, no fonts, no images from elsewhere. The page
is in the business's language; an Arabic page is laid out right to left and its numbers
are formatted by Babel, as the email templates format them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

import babel
import jinja2
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent, get_currency_name
from markupsafe import Markup, escape

from connectors.base import Ledger
from connectors.models import PaidInvoice
from sync.config.resources import default_templates_dir
from sync.config.settings import Settings
from sync.plan.actions import ActionKind
from sync.plan.history import MessageStatus
from sync.reports.figures import BUCKETS, Insights, SentAction, compute
from sync.reports.isolate import Isolation, marks, say
from sync.reports.words import BUCKET_LABELS, LABELS, STAGE_LABELS
from sync.store.store import Store

Language = Literal["en", "ar"]

BUCKET_COLOURS = ("#3f8f5a", "#c9a227", "#d9822b", "#c8553d", "#8e2c2c")
_FONT = "'DejaVu Sans', 'Noto Sans Arabic', 'Noto Naskh Arabic', sans-serif"


@dataclass(frozen=True)
class Numbers:
    """Babel formatting for one language, with Latin or Arabic-Indic digits."""

    language: Language
    digits: Literal["latin", "arabic"] = "latin"

    @property
    def _locale(self) -> babel.Locale:
        return babel.Locale.parse(self.language)

    @property
    def _system(self) -> str:
        return "arab" if self.digits == "arabic" and self.language == "ar" else "latn"

    def money(self, amount: Decimal) -> str:
        """An amount with two decimals and grouping, e.g. ``11,500.00``."""
        return self._finish(
            format_decimal(
                amount, format="#,##0.00", locale=self._locale, numbering_system=self._system
            )
        )

    def number(self, value: int | Decimal) -> str:
        """A count or a figure with at most one decimal."""
        return self._finish(
            format_decimal(
                value, format="#,##0.#", locale=self._locale, numbering_system=self._system
            )
        )

    def percent(self, share: Decimal) -> str:
        """A share between 0 and 1 as a whole percentage: ``36%``, or ``٣٦٪`` in Arabic digits."""
        text = self._finish(
            format_percent(share, locale=self._locale, numbering_system=self._system)
        )
        return text.replace("%", "٪") if self._system == "arab" else text

    def currency(self, code: str) -> str:
        """A currency as the page's reader names it: ``SAR``, or ``ريال سعودي`` in Arabic."""
        if self.language == "ar":
            return str(get_currency_name(code, locale=self._locale))
        return code

    def amount(self, value: Decimal, code: str) -> str:
        """An amount and its currency, e.g. ``1,200.00 SAR`` or ``١٬٢٠٠٫٠٠ ريال سعودي``."""
        return f"{self.money(value)} {self.currency(code)}"

    def day(self, value: date) -> str:
        """A day written out, e.g. ``November 23, 2026`` or ``23 نوفمبر 2026``."""
        return self._finish(format_date(value, format="long", locale=self._locale))

    def _finish(self, text: str) -> str:
        # Babel changes the separators for the numbering system but, with an explicit
        # pattern, not the digits; the email filters finish the same way.
        return text.translate(_ARABIC_DIGITS) if self._system == "arab" else str(text)


_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@dataclass(frozen=True)
class Bar:
    """One row of a bar chart: its label, its length and the text written beside it."""

    label: str
    value: float
    text: str
    colour: str = "#2f6f8f"


def bar_chart(bars: Sequence[Bar], *, rtl: bool, title: str, width: int = 640) -> Markup:
    """A horizontal bar chart as inline SVG; mirrored for a right-to-left page.

    Args:
        bars: The rows, top to bottom.
        rtl: Labels on the right and bars growing to the left.
        title: The chart's accessible name.
        width: The drawing's width in CSS pixels.
    """
    row, label_w, value_w = 30, 190, 150
    height = row * len(bars) + 10
    span = width - label_w - value_w
    top = max((b.value for b in bars), default=0.0) or 1.0

    def x(pos: float) -> float:
        return width - pos if rtl else pos

    # Each text runs in the page's direction, in which "end" is the side nearer the
    # bar for a label and "start" the side nearer the bar for a value, either way.
    direction = "rtl" if rtl else "ltr"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}"'
        f' height="{height}" viewBox="0 0 {width} {height}" font-family="{_FONT}"'
        f' font-size="13"><title>{escape(title)}</title>'
    ]
    for i, bar in enumerate(bars):
        y = 5 + i * row
        length = max(span * bar.value / top, 2.0 if bar.value else 0.0)
        left = x(label_w + length) if rtl else label_w
        label = bar.label if len(bar.label) <= 26 else bar.label[:25] + "…"
        # Isolated, so a Latin name keeps its final period on its own side in an Arabic
        # chart, and an Arabic one in an English chart (sync.reports.isolate).
        label, value = marks(label), marks(bar.text)
        parts.append(
            f'<text x="{x(label_w - 8):.1f}" y="{y + 19}" text-anchor="end"'
            f' direction="{direction}" fill="#333">{escape(label)}</text>'
            f'<rect x="{left:.1f}" y="{y + 4}" width="{length:.1f}" height="{row - 10}"'
            f' rx="3" fill="{bar.colour}"/>'
            f'<text x="{x(label_w + length + 6):.1f}" y="{y + 19}" text-anchor="start"'
            f' direction="{direction}" fill="#333">{escape(value)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def render_page(
    insights: Insights,
    *,
    business: str,
    language: Language,
    digits: Literal["latin", "arabic"] = "latin",
    ledger_name: str = "",
    history_reason: str | None = None,
    made_on: date | None = None,
    problems: Sequence[str] = (),
) -> str:
    """The whole report as one HTML document.

    Args:
        insights: The figures (``sync.reports.figures.compute``).
        business: The business's name, for the heading.
        language: ``en`` or ``ar`` (right to left).
        digits: Arabic-Indic or Latin digits on an Arabic page.
        ledger_name: The ledger's display name, for the note when history is missing.
        history_reason: Why the late payers and outcomes are missing, if they are.
        made_on: The day the page was made (defaults to ``insights.today``).
        problems: What the ledger could not read, one line each; shown first, as
            every figure leaves those rows out.
    """
    labels = LABELS[language]
    fmt = Numbers(language, digits)
    rtl = language == "ar"
    name = ledger_name or "?"
    # The ledger's Latin name is isolated in an Arabic sentence (sync.reports.isolate).
    missing = (
        say(labels["no_history"], ledger=name) if rtl else labels["no_history"].format(ledger=name)
    )
    reason = history_reason or missing

    def stage(name: str) -> str:
        return STAGE_LABELS[language].get(name, name)

    def bucket(name: str) -> str:
        words = BUCKET_LABELS[language]
        low, high = next((lo, hi) for n, lo, hi in BUCKETS if n == name)
        if low is None:
            return words["current"]
        if high is None:
            return words["over"].format(low=fmt.number(low - 1))
        return words["range"].format(low=fmt.number(low), high=fmt.number(high))

    context: dict[str, Any] = {
        "t": labels,
        "lang": language,
        "dir": "rtl" if rtl else "ltr",
        "business": business,
        "business_marked": marks(business),
        "bdi": Isolation(rtl).bdi,
        "say": Isolation(rtl).say,
        "i": insights,
        "fmt": fmt,
        "stage": stage,
        "bucket": bucket,
        "buckets": [name for name, _, _ in BUCKETS],
        "reason": Markup(escape(labels["unavailable"])).format(reason=reason),
        "made_on": fmt.day(made_on or insights.today),
        "problems": list(problems),
        "aging_charts": _aging_charts(insights, fmt, bucket, rtl),
        "late_chart": _late_chart(insights, fmt, rtl, labels),
        "sent_chart": _sent_chart(insights, fmt, stage, rtl, labels),
        "effect_chart": _effect_chart(insights, fmt, stage, rtl, labels),
    }
    return _environment().get_template("report.html").render(context)


def _aging_charts(insights: Insights, fmt: Numbers, bucket: Any, rtl: bool) -> dict[str, Markup]:
    return {
        currency: bar_chart(
            [
                Bar(bucket(name), float(amounts[name]), fmt.money(amounts[name]), colour)
                for (name, _, _), colour in zip(BUCKETS, BUCKET_COLOURS, strict=True)
            ],
            rtl=rtl,
            title=fmt.currency(currency),
        )
        for currency, amounts in insights.aging.items()
    }


def _late_chart(insights: Insights, fmt: Numbers, rtl: bool, t: dict[str, str]) -> Markup | None:
    if not insights.late_payers:
        return None
    bars = [
        Bar(p.name, float(p.average_days_late), f"{fmt.number(p.average_days_late)} {t['days']}")
        for p in insights.late_payers
    ]
    return bar_chart(bars, rtl=rtl, title=t["average_late"])


def _sent_chart(
    insights: Insights, fmt: Numbers, stage: Any, rtl: bool, t: dict[str, str]
) -> Markup | None:
    if not insights.sent:
        return None
    bars = [Bar(stage(name), n, fmt.number(n), "#5a6fb0") for name, n in insights.sent.items()]
    return bar_chart(bars, rtl=rtl, title=t["sent"])


def _effect_chart(
    insights: Insights, fmt: Numbers, stage: Any, rtl: bool, t: dict[str, str]
) -> Markup | None:
    if not insights.outcomes:
        return None
    bars = []
    for o in insights.outcomes:
        rate = o.rate
        text = f"{fmt.number(o.settled)} / {fmt.number(o.sent - o.waiting)}"
        if rate is not None:
            text += f" ({fmt.percent(rate)})"
        bars.append(Bar(stage(o.stage), float(rate or 0), text, "#3f8f5a"))
    return bar_chart(bars, rtl=rtl, title=t["effect"])


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(default_templates_dir() / "report"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass(frozen=True)
class ReportPage:
    """The report's HTML, and what the ledger could not read (also on the page)."""

    html: str
    problems: tuple[str, ...] = ()


SENT_ACTIONS = (
    ActionKind.SEND_REMINDER,
    ActionKind.RESEND_INVOICE,
    ActionKind.THANK_YOU,
    ActionKind.ACKNOWLEDGE,
    ActionKind.ESCALATE,
)
"""Outbox actions the report counts as sent (pauses, notices and snoozes are internal)."""


def make_report(
    settings: Settings,
    ledger: Ledger,
    store: Store,
    now: datetime,
    *,
    history_days: int = 365,
    within: int = 14,
    language: Language | None = None,
) -> ReportPage:
    """Read the ledger and the state store, and return the report page.

    Args:
        settings: The configuration (business, language, policy, tenant).
        ledger: Where the open invoices and, if it can, the paid history come from.
        store: The state store whose outbox says what was sent.
        now: The moment the report is about.
        history_days: How far back the paid history and the outbox are read.
        within: Days after a reminder in which a payment counts as its effect.
        language: The page's language; the business's default language when None.

    Returns:
        The page, and the ledger's problems (rows it could not read, numbers two
        rows share), which the page lists in a "could not read" section.

    Raises:
        LedgerError: The ledger could not be read.
        StateError: The state store could not be read.
    """
    zone = ZoneInfo(settings.business.timezone)
    today = now.astimezone(zone).date()
    since = today - timedelta(days=history_days)
    open_invoices = list(ledger.list_open_invoices())
    problems = list(ledger.problems)
    # An optional method (connectors.base.PaidHistory); looked up on the object itself,
    # since isinstance() on a protocol caches its answer per class.
    history = getattr(ledger, "paid_invoices", None)
    paid: list[PaidInvoice] | None = list(history(since)) if callable(history) else None
    problems += [line for line in ledger.problems if line not in problems]
    sent = []
    for row in store.rows(settings.tenant, status=MessageStatus.SENT):
        day = (row.sent_at or row.created_at).astimezone(zone).date()
        if row.action in SENT_ACTIONS and since <= day <= today:
            stage = "resend" if row.action == ActionKind.RESEND_INVOICE else row.stage
            sent.append(SentAction(row.invoice_id, stage, row.action, day))
    figures = compute(
        open_invoices,
        paid,
        sent,
        today=today,
        since=since,
        within=within,
        stage_order=[s.name for s in settings.policy.stages],
    )
    html = render_page(
        figures,
        business=settings.business.name,
        language=language or settings.language.default,
        digits=settings.language.digits,
        ledger_name=ledger.display_name,
        made_on=today,
        problems=problems,
    )
    return ReportPage(html, tuple(problems))
