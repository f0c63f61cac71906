"""Tracer and GenAI client metrics of one instrumentor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opentelemetry import metrics, trace

from otel_llm import attributes as attrs

OPERATION_DURATION = "gen_ai.client.operation.duration"
TOKEN_USAGE = "gen_ai.client.token.usage"
TOKEN_TYPE = "gen_ai.token.type"

# Bucket boundaries advised by the GenAI semantic conventions.
_DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]
_TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864]


@dataclass
class Telemetry:
    tracer: trace.Tracer
    duration: Any
    tokens: Any

    @classmethod
    def create(cls, tracer_provider=None, meter_provider=None, version: str = "") -> Telemetry:
        tracer = trace.get_tracer(attrs.OUR_SCOPE, version, tracer_provider=tracer_provider)
        meter = metrics.get_meter(attrs.OUR_SCOPE, version, meter_provider=meter_provider)
        duration = meter.create_histogram(
            OPERATION_DURATION,
            unit="s",
            description="GenAI operation duration",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        tokens = meter.create_histogram(
            TOKEN_USAGE,
            unit="{token}",
            description="Measures number of input and output tokens used",
            explicit_bucket_boundaries_advisory=_TOKEN_BUCKETS,
        )
        return cls(tracer, duration, tokens)
