"""``python -m cli`` runs the ``otel-llm`` command."""

from cli.main import main

main()
