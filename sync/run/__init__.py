"""One run: the job over an outbox, the reply desk, the parts a configuration names."""
