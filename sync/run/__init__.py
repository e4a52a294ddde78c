"""One run: the job over an outbox, the reply desk, the parts a configuration names."""

DEFAULT_JOBS = 4
"""Organisations run at once unless told (``tahseel run --jobs``)."""
