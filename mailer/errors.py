"""The mailer's exceptions, each carrying what the caller should do about it."""

from __future__ import annotations

from typing import ClassVar, Literal

Disposition = Literal["retry", "skip", "abort", "reconcile"]


class MailError(Exception):
    """Root of every error the mailer raises."""

    disposition: ClassVar[Disposition] = "abort"


class TransportUnavailable(MailError):
    """The mailbox could not be reached; nothing was sent."""

    disposition: ClassVar[Disposition] = "retry"


class SendOutcomeUnknown(MailError):
    """The send may or may not have happened: never resend, settle with ``find_sent``."""

    disposition: ClassVar[Disposition] = "reconcile"


class SendRejected(MailError):
    """The message was refused (bad address, refused content): skip this one."""

    disposition: ClassVar[Disposition] = "skip"


class MailAuthError(MailError):
    """The mailbox's credentials are missing, expired or revoked."""

    disposition: ClassVar[Disposition] = "abort"


class MailConfigError(MailError):
    """The mailbox refuses what the configuration asks (a sender it may not send as).

    Nothing was sent; the fix is in the configuration or the mailbox's own settings, so
    a run ends as any configuration error does (exit code 2).
    """

    disposition: ClassVar[Disposition] = "abort"


class MailQuotaExceeded(MailError):
    """The daily sending cap is reached: stop the run rather than sleep."""

    disposition: ClassVar[Disposition] = "abort"


class TemplateError(MailError):
    """A template failed to load or render; ``problems`` lists each as ``file:line: message``."""

    disposition: ClassVar[Disposition] = "abort"

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


class UnwritableValue(TemplateError):
    """One message's data cannot be written, though its templates are sound.

    A date outside the Umm al-Qura calendar, for one: that message is skipped and
    reported by invoice, the others go.
    """

    disposition: ClassVar[Disposition] = "skip"


class HeaderInjectionError(SendRejected):
    """A header value would have produced an extra header or recipient."""
