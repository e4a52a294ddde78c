"""``python -m sync`` runs the ``tahseel`` command."""

from sync.cli import main

main()
