"""Alembic migrations of the otel-llm database (``otel-llm db upgrade``)."""
