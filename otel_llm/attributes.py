"""Attribute names: OpenTelemetry GenAI semantic conventions where they exist, ``otel_llm.*`` otherwise.

Every module that reads or writes span attributes takes the names from here.
"""

from typing import Final

# --- GenAI semantic conventions -------------------------------------------------------------
GEN_AI_OPERATION_NAME: Final = "gen_ai.operation.name"
GEN_AI_PROVIDER_NAME: Final = "gen_ai.provider.name"
GEN_AI_SYSTEM: Final = "gen_ai.system"  # deprecated name, still sent by older instrumentations
GEN_AI_REQUEST_MODEL: Final = "gen_ai.request.model"
GEN_AI_REQUEST_TEMPERATURE: Final = "gen_ai.request.temperature"
GEN_AI_REQUEST_MAX_TOKENS: Final = "gen_ai.request.max_tokens"
GEN_AI_REQUEST_TOP_P: Final = "gen_ai.request.top_p"
GEN_AI_REQUEST_TOP_K: Final = "gen_ai.request.top_k"
GEN_AI_REQUEST_STOP_SEQUENCES: Final = "gen_ai.request.stop_sequences"
GEN_AI_REQUEST_SEED: Final = "gen_ai.request.seed"
GEN_AI_REQUEST_CHOICE_COUNT: Final = "gen_ai.request.choice.count"
GEN_AI_REQUEST_PRESENCE_PENALTY: Final = "gen_ai.request.presence_penalty"
GEN_AI_REQUEST_FREQUENCY_PENALTY: Final = "gen_ai.request.frequency_penalty"
GEN_AI_RESPONSE_MODEL: Final = "gen_ai.response.model"
GEN_AI_RESPONSE_ID: Final = "gen_ai.response.id"
GEN_AI_RESPONSE_FINISH_REASONS: Final = "gen_ai.response.finish_reasons"
GEN_AI_USAGE_INPUT_TOKENS: Final = "gen_ai.usage.input_tokens"
GEN_AI_USAGE_OUTPUT_TOKENS: Final = "gen_ai.usage.output_tokens"
GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: Final = "gen_ai.usage.cache_read.input_tokens"
GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS: Final = "gen_ai.usage.cache_creation.input_tokens"
GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS: Final = "gen_ai.usage.cache_write.input_tokens"  # Anthropic SDK's name
# Reasoning ("thinking") tokens, part of the output tokens; priced at the reasoning rate where one is set.
GEN_AI_USAGE_REASONING_OUTPUT_TOKENS: Final = "gen_ai.usage.reasoning.output_tokens"
GEN_AI_SYSTEM_INSTRUCTIONS: Final = "gen_ai.system_instructions"
GEN_AI_INPUT_MESSAGES: Final = "gen_ai.input.messages"
GEN_AI_OUTPUT_MESSAGES: Final = "gen_ai.output.messages"
GEN_AI_TOOL_DEFINITIONS: Final = "gen_ai.tool.definitions"
GEN_AI_PROMPT_NAME: Final = "gen_ai.prompt.name"
GEN_AI_PROMPT_VERSION: Final = "gen_ai.prompt.version"
ERROR_TYPE: Final = "error.type"
SERVER_ADDRESS: Final = "server.address"
SERVER_PORT: Final = "server.port"

# --- otel-llm's own ------------------------------------------------------------------------
PROMPT_HASH: Final = "otel_llm.prompt.hash"
PROMPT_FALLBACK: Final = "otel_llm.prompt.fallback"
EXPERIMENT: Final = "otel_llm.experiment"
EXPERIMENT_VARIANT: Final = "otel_llm.experiment.variant"
REPLAY_OF: Final = "otel_llm.replay_of"
EVALUATION: Final = "otel_llm.evaluation"
# Conversations and end users: the GenAI conventions' conversation id first, then the generic names.
GEN_AI_CONVERSATION_ID: Final = "gen_ai.conversation.id"
SESSION_ID: Final = "session.id"
USER_ID: Final = "user.id"
ENDUSER_ID: Final = "enduser.id"
"""On model calls made to evaluate: ``run`` (an evaluation run's answer) or ``judge`` (an LLM judge).
They are stored and costed in their run, never counted as the app's traffic."""
EVALUATION_RUN: Final = "otel_llm.evaluation.run"
EVALUATION_OF: Final = "otel_llm.evaluation.of"
"""The span id of the answer a judge call evaluated."""
REPLAY_OVERRIDES: Final = "otel_llm.replay.overrides"
REQUEST: Final = "otel_llm.request"
"""JSON of the request as the app sent it (see ``otel_llm.request_record``), without secrets."""
SYSTEM_PROMPT_HASH: Final = "otel_llm.system_prompt.hash"
"""``hashing.text_hash`` of the system instructions' text, set by our instrumentation whether content is
captured or not; ``normalize.to_row`` prefers it for the ``system_prompt_hash`` column."""
STREAM: Final = "otel_llm.stream"
"""Set on spans stored by earlier versions; whether a call streamed is now the request record's
``stream`` (one attribute less per call)."""
TIME_TO_FIRST_CHUNK_MS: Final = "otel_llm.time_to_first_chunk_ms"
CONTENT_TRUNCATED: Final = "otel_llm.content.truncated"
DUPLICATE: Final = "otel_llm.duplicate"
"""Set on a span that another (ours) already represents; the exporter does not store it."""

TAG_ATTRIBUTES: Final = (
    GEN_AI_PROMPT_NAME,
    GEN_AI_PROMPT_VERSION,
    PROMPT_HASH,
    EXPERIMENT,
    EXPERIMENT_VARIANT,
)

OUR_SCOPE: Final = "otel_llm"
ANTHROPIC_NATIVE_SCOPE: Final = "com.anthropic.sdk.python"
