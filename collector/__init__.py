"""``otel-llm collector``: an OTLP/HTTP receiver that stores spans like the in-app exporter.

Apps (in any language) send spans with a standard OTLP/HTTP exporter; the collector decodes them
(``protocol``), converts them to the neutral ``SpanRecord`` (``convert``), and writes them through
the same normalisation and bulk writer as ``otel_llm``'s SQL exporter (``committer``), several
requests per transaction. ``server`` runs the worker processes, ``app`` the HTTP endpoints.
Run it with ``otel-llm collector`` or ``python -m otel_llm_server.collector``.
"""
