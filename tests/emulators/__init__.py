"""Loopback emulators of the services Tahseel talks to, one package per service."""
