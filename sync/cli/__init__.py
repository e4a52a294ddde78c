"""The ``tahseel`` command: a typer app split by theme, with rich views; kept thin."""
