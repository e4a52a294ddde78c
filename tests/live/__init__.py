"""Recording the cassettes from the real services: ``python -m tests.live.record``.

Opt-in only (``TAHSEEL_LIVE=1``, never in CI). No module here is named ``test_*``, so
pytest collects nothing from this package; ``tests/unit/test_live_recording.py`` and
``tests/unit/test_live_seeds.py`` test it offline.
"""
