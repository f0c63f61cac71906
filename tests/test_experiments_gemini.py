"""An experiment with a Gemini variant next to an OpenAI one: the run goes through the real
google-genai SDK to the local provider, traced, tagged and costed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from otel_llm import pipeline
from otel_llm.experiments import runs, service
from otel_llm.experiments.errors import ExperimentError
from otel_llm.experiments.model import ExperimentSpec, VariantSpec
from otel_llm.experiments.validation import case_from_text
from otel_llm.storage.db import get_engine
from otel_llm.storage.schema import spans

P = "default"
SYSTEM = "Answer in one sentence."


@pytest.fixture(autouse=True)
def _pipeline_torn_down():
    yield
    pipeline.uninstrument()
    pipeline.shutdown()


def _variants(**gemini) -> list[VariantSpec]:
    return [
        VariantSpec("gpt", 50, True, {"provider": "openai", "model": "gpt-4o-mini", "system_prompt": SYSTEM}),
        VariantSpec(
            "gemini",
            50,
            False,
            {"provider": "gcp.gemini", "model": "gemini-2.5-flash", "system_prompt": SYSTEM, **gemini},
        ),
    ]


def test_run_calls_the_gemini_variant_through_google_genai(db_url, mock_llm):
    engine = get_engine(db_url)
    cases = [case_from_text(c) for c in ("What is OTel?", "Fail please [[mock:error=503]]")]
    spec = ExperimentSpec(
        name="bakeoff", variants=_variants(temperature=0.3, max_tokens=200), test_cases=cases
    )
    service.create_experiment(engine, P, spec)

    report = runs.run_experiment(engine, P, "bakeoff", base_url=mock_llm.url)

    assert (report.status, report.total, report.done, report.failed) == ("completed", 4, 4, 2)
    gemini = [r for r in mock_llm.requests if ":generateContent" in r.path]
    assert len(gemini) == 2
    body = gemini[0].json
    assert body["systemInstruction"]["parts"] == [{"text": SYSTEM}]
    assert body["generationConfig"]["temperature"] == 0.3
    assert body["generationConfig"]["maxOutputTokens"] == 200
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                spans.c.variant,
                spans.c.provider,
                spans.c.status_code,
                spans.c.cost_usd,
                spans.c.output_tokens,
            ).where(
                spans.c.experiment == "bakeoff", spans.c.is_llm.is_(True), spans.c.provider == "gcp.gemini"
            )
        ).all()
    failed = [r for r in rows if r.status_code == "ERROR"]
    (ok,) = [r for r in rows if r.status_code != "ERROR"]
    assert len(failed) == 1 and failed[0].variant == "gemini"
    assert ok.variant == "gemini" and ok.cost_usd > 0 and ok.output_tokens > 0
    assert report.cost_usd > ok.cost_usd  # the OpenAI variant's calls count too


def test_a_gemini_variant_out_of_range_is_refused_before_any_call(db_url, mock_llm):
    engine = get_engine(db_url)
    with pytest.raises(ExperimentError, match="temperature"):
        spec = ExperimentSpec(
            name="hot", variants=_variants(temperature=2.5), test_cases=[case_from_text("hi")]
        )
        service.create_experiment(engine, P, spec)
    assert mock_llm.requests == []
