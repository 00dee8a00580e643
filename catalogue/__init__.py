"""The catalogue domain: models, validation, operations, import/export, search, statistics.

Nothing here imports Flask's request machinery, so the same code serves the web app, the
CLI, the tests and the benchmarks.
"""
