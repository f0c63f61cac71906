"""The ``otel-llm`` command line: each module holds one area's commands; ``main`` assembles them."""
