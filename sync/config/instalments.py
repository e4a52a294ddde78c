"""How Tahseel chases an invoice paid in instalments (see [Instalment plans](instalments.md)).

A plan itself is recorded per invoice by ``tahseel instalments``; these settings say
when its reminders go and how long a missed instalment is waited for.
"""

from __future__ import annotations

from pydantic import Field

from sync.config.base import Model


class InstalmentSettings(Model):
    """When the reminders of an instalment plan go, and when a missed one ends the plan."""

    remind_days_before: int = Field(default=3, ge=1, le=30)
    """days before each instalment's date that a courtesy reminder goes (one more goes
    on the date itself)"""
    grace_days: int = Field(default=7, ge=0, le=90)
    """days past a missed instalment's date before the plan ends and the ladder resumes
    at the final notice"""
