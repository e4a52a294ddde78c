"""``python -m sync`` runs the ``tahseel`` command."""

from sync.cli.app import main

main()
