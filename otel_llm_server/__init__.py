"""The server side of otel-llm: console (``web``), CLI, OTLP collector and migrations.

In the repository these live in the top-level folders ``web/``, ``cli/``, ``collector/`` and
``migrations/``; ``setup.py`` installs them under this namespace.
"""
