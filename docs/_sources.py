"""Where the generated reference pages take their facts from: the one place that imports ``sync``.

The cog blocks in ``docs/configuration.md`` and ``docs/commands.md`` read the settings
models and the command line through this module only, so when a model or the app moves,
the import below is the one line to change.
"""

from sync.cli import app
from sync.config import Settings
from sync.config.hijri import HijriHoliday

__all__ = ["HijriHoliday", "Settings", "app"]
