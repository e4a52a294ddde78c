"""The base of every configuration model: unknown keys refused, values frozen."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """A configuration section: ``extra="forbid"`` turns a misspelt key into an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)
