"""What Tahseel tells people: figures, the HTML report, the run summary, the heartbeat."""
