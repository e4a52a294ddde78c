"""Deciding what a run does: the business calendar, the history, the planner, safety.

Pure: no clock, no network, no database. Everything is passed in.
"""
