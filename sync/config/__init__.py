"""The configuration: ``tahseel.yaml`` read into validated, frozen ``Settings``.

Models, the YAML loader that keeps file and line for every error, the ledger and
mailbox sections, organisations, durations, and the pip extras a file needs.
"""

from sync.config.loader import load_organisations, load_settings
from sync.config.settings import Settings

__all__ = ["Settings", "load_organisations", "load_settings"]
