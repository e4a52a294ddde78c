"""The sync package's exceptions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

Disposition = Literal["retry", "skip", "abort", "reconcile"]


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    """One problem in the configuration, located as precisely as the YAML allows."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class SyncError(Exception):
    """Root of every error the sync package raises."""

    disposition: ClassVar[Disposition] = "abort"


class ConfigError(SyncError):
    """The configuration is wrong; ``issues`` holds every problem found, not just the first."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        super().__init__("\n".join(str(i) for i in issues))
        self.issues = issues


class StateError(SyncError):
    """The state store could not be opened or written."""


class RunLocked(SyncError):
    """Another run holds the lock on this state store."""


class Aborted(SyncError):
    """The run stopped early for a reason that needs a person (auth, quota, state)."""


class MissingSecret(SyncError):
    """An environment variable a setting names is not set; callers turn it into a ConfigError."""

    def __init__(self, setting: str, variable: str) -> None:
        super().__init__(f"{setting}: the environment variable {variable} is not set")
        self.setting = setting
        self.variable = variable
