"""The prompt registry: one service layer used by the SDK (``otel_llm.get_prompt``), the CLI
(``otel-llm prompts``) and the console alike.

- ``versions``: create / duplicate / resolve / archive immutable versions.
- ``labels``: publish, move labels, roll back, label history.
- ``diff``: unified and side-by-side differences between two versions.
- ``metrics``: per-version calls, success rate, feedback, latency, tokens, cost from stored spans.
- ``content`` / ``chat`` / ``formats``: what a version holds — a text or chat template (messages,
  tools, response format) in the simple or Jinja2 format — validated and hashed.
- ``includes``: other prompts a template includes, resolved at create; who references a prompt.
- ``setup``: set-up documents (``prompts create --file prompt.yaml``), render/save for a playground.
- ``client``: what an app calls — ``get_prompt`` with a TTL cache and a fallback.
"""
