"""The configuration: ``tahseel.yaml`` read into validated, frozen ``Settings``.

Models, the YAML loader that keeps file and line for every error, the ledger and
mailbox sections, organisations, durations, and the pip extras a file needs.
"""
