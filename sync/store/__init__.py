"""The state store through SQLAlchemy: history, outbox, replies, cursors, locks, cache."""
