"""Local OpenAI-, Anthropic- and Gemini-compatible LLM provider for tests, the demo, experiment runs
and replay.

Serves ``POST /v1/chat/completions``, ``/v1/responses``, ``/v1/embeddings`` and the legacy
``/v1/completions`` (OpenAI), ``POST /v1/messages`` (Anthropic, beta messages included) and
``POST /v1beta/models/{model}:generateContent`` / ``:streamGenerateContent`` (Gemini), streamed and
not, with deterministic answers derived from the request, realistic usage, optional latency and
injectable errors. ``GET /_mock/requests`` lists what it received (``DELETE``
clears it). Not imported by ``import otel_llm``.

Example::

    from otel_llm.mockllm import MockLLMServer

    with MockLLMServer() as server:
        client = openai.OpenAI(base_url=server.url + "/v1", api_key="test")
        anthropic_client = anthropic.Anthropic(base_url=server.url, api_key="test")
        gemini = genai.Client(api_key="test", http_options=types.HttpOptions(base_url=server.url))
        ...
        server.requests[-1].body  # the exact bytes the SDK sent
"""

from otel_llm.mockllm.server import MockLLMServer, ReceivedRequest

__all__ = ["MockLLMServer", "ReceivedRequest"]
