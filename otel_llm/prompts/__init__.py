"""The prompt registry: one service layer used by the SDK (``otel_llm.get_prompt``), the CLI
(``otel-llm prompts``) and the console alike.

- ``versions``: create / duplicate / resolve / archive immutable versions.
- ``labels``: publish, move labels, roll back, label history.
- ``diff``: unified and side-by-side differences between two versions.
- ``metrics``: per-version calls, success rate, feedback, latency, tokens, cost from stored spans.
- ``client``: what an app calls — ``get_prompt`` with a TTL cache and a fallback.
"""
