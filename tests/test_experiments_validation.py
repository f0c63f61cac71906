"""Experiment specs: clear errors for bad input; the textual forms the CLI and console accept."""

import math

import pytest

from otel_llm.experiments import assign
from otel_llm.experiments.errors import ExperimentError
from otel_llm.experiments.model import ExperimentSpec, TestCase, VariantSpec
from otel_llm.experiments.validation import (
    apply_weights,
    parse_prompt_ref,
    parse_test_cases_jsonl,
    parse_variant,
    validate_spec,
)

OPENAI = {"provider": "openai", "model": "gpt-4o-mini"}
ANTHROPIC = {"provider": "anthropic", "model": "claude-3-5-haiku-latest"}


def _spec(*variants, **kwargs):
    return ExperimentSpec(name=kwargs.pop("name", "bakeoff"), variants=list(variants), **kwargs)


@pytest.mark.parametrize(
    ("variants", "message"),
    [
        (
            [VariantSpec("a", 60, True, OPENAI), VariantSpec("b", 30, False, ANTHROPIC)],
            "add up to 100; 60, 30 add up to 90",
        ),
        (
            [VariantSpec("a", 50, False, OPENAI), VariantSpec("b", 50, False, ANTHROPIC)],
            "exactly one variant must be the control; found none",
        ),
        ([VariantSpec("a", 50, True, OPENAI), VariantSpec("b", 50, True, ANTHROPIC)], "found a, b"),
        ([VariantSpec("a", 100, True, OPENAI)], "at least 2 variants"),
        (
            [VariantSpec("a", 50, True, OPENAI), VariantSpec("a", 50, False, ANTHROPIC)],
            "duplicate variant name(s): a",
        ),
        (
            [
                VariantSpec("a", 50, True, {"provider": "cohere", "model": "x"}),
                VariantSpec("b", 50, False, OPENAI),
            ],
            "unknown provider 'cohere'",
        ),
        (
            [VariantSpec("a", 50, True, {"provider": "openai"}), VariantSpec("b", 50, False, OPENAI)],
            "set a model",
        ),
        (
            [VariantSpec("a", 50, True, {**OPENAI, "temperature": 3}), VariantSpec("b", 50, False, OPENAI)],
            "temperature must be",
        ),
        (
            [
                VariantSpec("a", 50, True, {**OPENAI, "max_tokens": "1.5"}),
                VariantSpec("b", 50, False, OPENAI),
            ],
            "max_tokens must be",
        ),
        (
            [
                VariantSpec("a", 50, True, {**OPENAI, "prompt_ref": "support"}),
                VariantSpec("b", 50, False, OPENAI),
            ],
            "NAME@vN",
        ),
        (
            [
                VariantSpec("a", 50, True, {**OPENAI, "prompt_ref": "s@v1", "system_prompt": "x"}),
                VariantSpec("b", 50, False, OPENAI),
            ],
            "not both",
        ),
        (
            [VariantSpec("a", 50, True, {**OPENAI, "colour": "red"}), VariantSpec("b", 50, False, OPENAI)],
            "unknown setting(s) colour",
        ),
    ],
)
def test_bad_specs_are_refused_with_a_clear_message(variants, message):
    with pytest.raises(ExperimentError) as info:
        validate_spec(_spec(*variants))
    assert message in str(info.value)


def test_anthropic_temperature_tops_out_at_1():
    anthropic = VariantSpec("b", 50, False, {**ANTHROPIC, "temperature": 1.5})
    with pytest.raises(ExperimentError, match="from 0 to 1 for anthropic"):
        validate_spec(_spec(VariantSpec("a", 50, True, {**OPENAI, "temperature": 1.5}), anthropic))


def test_bad_names_and_metrics():
    ok = [VariantSpec("a", 50, True, OPENAI), VariantSpec("b", 50, False, ANTHROPIC)]
    with pytest.raises(ExperimentError, match="invalid experiment name"):
        validate_spec(_spec(*ok, name="no spaces please"))
    with pytest.raises(ExperimentError, match="unknown primary metric"):
        validate_spec(_spec(*ok, primary_metric="vibes"))


def test_a_valid_spec_is_normalised():
    spec = validate_spec(
        _spec(
            VariantSpec("a", 50, True, {**OPENAI, "temperature": "0.7", "max_tokens": "200"}),
            VariantSpec("b", 50, False, {**ANTHROPIC, "prompt_ref": "support@production"}),
        )
    )
    assert spec.variants[0].config == {**OPENAI, "temperature": 0.7, "max_tokens": 200}
    assert spec.variants[1].config["prompt_ref"] == "support@production"


def test_variant_strings_from_the_cli():
    variant = parse_variant(
        "name=b,provider=anthropic,model=claude-3-5-haiku-latest,temperature=0.2,control=true"
    )
    assert variant.name == "b" and variant.is_control and math.isnan(variant.weight)
    assert variant.config == {
        "provider": "anthropic",
        "model": "claude-3-5-haiku-latest",
        "temperature": "0.2",
    }
    json_variant = parse_variant(
        '{"name": "c", "provider": "openai", "model": "m", "system_prompt": "Be brief, kind."}'
    )
    assert json_variant.config["system_prompt"] == "Be brief, kind."
    with pytest.raises(ExperimentError, match="key=value pairs"):
        parse_variant("name=a,openai")


def test_weights_first_variant_is_control_and_even_split():
    variants = [
        parse_variant("name=a,provider=openai,model=m"),
        parse_variant("name=b,provider=openai,model=n"),
    ]
    filled = apply_weights(variants, None)
    assert [(v.name, v.weight, v.is_control) for v in filled] == [("a", 50, True), ("b", 50, False)]
    three = apply_weights([*variants, parse_variant("name=c,provider=openai,model=o")], None)
    assert sum(v.weight for v in three) == pytest.approx(100)
    with pytest.raises(ExperimentError, match="1 weight"):
        apply_weights(variants, [100])


def test_jsonl_test_cases():
    cases = parse_test_cases_jsonl(
        '{"input": "Hello"}\n\n{"messages": [{"role": "system", "content": "Be short"}, '
        '{"role": "user", "content": "Hi"}], "reference_output": "Hi!"}\n'
    )
    assert cases[0] == TestCase([{"role": "user", "content": "Hello"}])
    assert cases[1].reference_output == "Hi!" and len(cases[1].messages) == 2
    with pytest.raises(ExperimentError, match="line 2"):
        parse_test_cases_jsonl('{"input": "ok"}\n{"input": 5}\n')
    with pytest.raises(ExperimentError, match="line 1"):
        parse_test_cases_jsonl("not json")
    with pytest.raises(ExperimentError, match="last message"):
        parse_test_cases_jsonl(
            '{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}'
        )


def test_prompt_refs():
    assert parse_prompt_ref("support@v3") == ("support", 3, None)
    assert parse_prompt_ref("support@production") == ("support", None, "production")


def test_split_over_10000_units_matches_weights_within_2_points():
    variants = [{"name": "a", "weight": 70}, {"name": "b", "weight": 20}, {"name": "c", "weight": 10}]
    counts = {"a": 0, "b": 0, "c": 0}
    for unit in range(10_000):
        counts[assign.choose("bakeoff", f"user-{unit}", variants)["name"]] += 1
    for variant in variants:
        assert abs(counts[variant["name"]] / 100 - variant["weight"]) <= 2, counts


def test_assignment_is_sticky_and_depends_on_the_experiment():
    variants = [{"name": "a", "weight": 50}, {"name": "b", "weight": 50}]
    first = [assign.choose("bakeoff", f"u{i}", variants)["name"] for i in range(200)]
    again = [assign.choose("bakeoff", f"u{i}", variants)["name"] for i in range(200)]
    other = [assign.choose("other-test", f"u{i}", variants)["name"] for i in range(200)]
    assert first == again
    assert first != other  # independent experiments do not put the same users together
    assert assign.choose("x", "u1", [{"name": "a", "weight": 0}, {"name": "b", "weight": 100}])["name"] == "b"
