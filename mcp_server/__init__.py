"""``otel-llm mcp``: a Model Context Protocol server so coding agents can debug with stored data.

- ``server.OtelLlmMcp``: the official SDK's ``MCPServer`` with every tool and resource; each call is
  checked against an API key (``access.py``: the key's project and role, as the JSON API does);
- ``tools/``: one module per area, each tool one call of that area's service (``otel_llm.traces``,
  ``otel_llm.prompts``, ``otel_llm.experiments``, ``otel_llm.datasets``, ``otel_llm.evaluation``,
  ``otel_llm.scores``, ``otel_llm.replay``, ``otel_llm.feedback``);
- ``resources.py``: ``prompt://NAME@vN`` and ``span://SPAN_ID``;
- ``compact.py``: short rows and cut texts (each cut says how to read the rest);
- ``http.py``: streamable HTTP behind a key check (stdio needs nothing more than the SDK's runner).
"""
