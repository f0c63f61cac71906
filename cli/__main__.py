"""``python -m otel_llm_server.cli`` runs the ``otel-llm`` command."""

from otel_llm_server.cli.entry import main

main()
