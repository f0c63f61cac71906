"""Built-in and custom evaluators, and the judge's answer parsing."""

from __future__ import annotations

import json
import sys
import types

import pytest

from otel_llm.evaluation import registry
from otel_llm.evaluation.answers import verdict
from otel_llm.evaluation.base import Case, EvaluatorError, Scale, UnknownEvaluator
from otel_llm.evaluation.judge import parse_answer
from otel_llm.mockllm import judge as mock_judge


def _value(spec: str, output: str, expected: str | None = None) -> float:
    return registry.resolve(spec).evaluate(Case(output, expected)).value


def test_exact_and_contains_ignore_case_and_spacing():
    assert _value("exact", "  Paris\n", "paris") == 1.0
    assert _value("exact", "Paris, France", "paris") == 0.0
    assert _value("contains", "The capital is  PARIS.", "paris") == 1.0
    assert _value("contains", "Lyon", "paris") == 0.0


def test_regex_json_and_schema(tmp_path):
    assert _value(r"regex:\bORD-\d{4}\b", "your order ORD-1234 ships") == 1.0
    assert _value(r"regex:\bORD-\d{4}\b", "no order") == 0.0
    assert _value("json", '```json\n{"a": 1}\n```') == 1.0
    assert _value("json", "{a: 1}") == 0.0
    schema = tmp_path / "s.json"
    schema.write_text(
        json.dumps({"type": "object", "required": ["total"], "properties": {"total": {"type": "number"}}})
    )
    judged = registry.resolve(f"json_schema:{schema}").evaluate(Case('{"total": "ten"}'))
    assert judged.value == 0.0 and "total" in judged.comment
    assert _value(f"json_schema:{schema}", '{"total": 10}') == 1.0


def test_numeric_closeness_and_similarity():
    assert _value("numeric", "The total is 100.5 dollars", "100") == 1.0  # within 1 %
    assert _value("numeric", "The total is 103", "100") == 0.0
    assert _value("numeric:0.05", "103", "100") == 1.0
    assert _value("similarity", "the cat sat", "the cat sat") == 1.0
    assert 0.0 < _value("similarity", "the cat sat on a mat", "the cat sat") < 1.0


def test_missing_expected_output_is_an_evaluator_error_not_a_fail():
    found = verdict(registry.resolve("exact"), Case("x", None))
    assert found.value is None and "expected output" in found.error


def test_bad_specs_are_refused_in_words():
    with pytest.raises(EvaluatorError, match="not a valid pattern"):
        registry.resolve("regex:(")
    with pytest.raises(UnknownEvaluator, match="unknown evaluator 'nonsense'"):
        registry.resolve("nonsense")
    with pytest.raises(EvaluatorError, match="given twice"):
        registry.resolve_all(["exact", "exact"])


def test_custom_function_evaluator_results_and_errors(monkeypatch):
    module = types.ModuleType("my_evals")

    def polite(output, *, expected, input, metadata):
        if "boom" in output:
            raise RuntimeError("cannot judge this")
        return "please" in output.lower(), "looked for please"

    def stars(output, *, expected, input, metadata):
        return len(output)

    stars.scale = (1, 5)
    stars.version = "2"
    module.polite, module.stars = polite, stars
    monkeypatch.setitem(sys.modules, "my_evals", module)

    evaluator = registry.resolve("my_evals:polite")
    assert evaluator.evaluate(Case("Please wait")).value == 1.0
    assert verdict(evaluator, Case("boom")).error == "RuntimeError: cannot judge this"
    numeric = registry.resolve("my_evals:stars")
    assert numeric.label == "my_evals:stars@2" and numeric.evaluate(Case("abc")).value == 3.0
    assert "outside its scale" in verdict(numeric, Case("much too long")).error
    with pytest.raises(EvaluatorError, match="has no function"):
        registry.resolve("my_evals:missing")


@pytest.mark.parametrize(
    ("answer", "score", "rationale"),
    [
        ('{"score": 4, "rationale": "Good."}', 4.0, "Good."),
        ('Sure!\n```json\n{"Score": "3", "reason": "ok"}\n```', 3.0, "ok"),
        ("Score: 5\nRationale: complete and correct", 5.0, "complete and correct"),
    ],
)
def test_judge_answers_are_parsed_robustly(answer, score, rationale):
    assert parse_answer(answer, Scale(1, 5)) == (score, rationale)


@pytest.mark.parametrize(
    "answer", ["I think it is good", '{"score": 9}', '{"score": true}', '{"score": "high"}']
)
def test_unparseable_or_off_scale_judge_answers_are_errors(answer):
    with pytest.raises(EvaluatorError):
        parse_answer(answer, Scale(1, 5))


def test_local_provider_judges_deterministically_and_parseably():
    from otel_llm.evaluation.judge import DEFAULTS
    from otel_llm.prompts.render import render

    def ask(output):
        prompt = render(
            DEFAULTS["helpfulness"], {"input": "q", "output": output, "expected": "open the settings page"}
        )
        return mock_judge.answer(prompt)

    close, far = ask("open the settings page"), ask("bananas are yellow")
    assert ask("open the settings page") == close  # same prompt, same verdict
    assert parse_answer(close, Scale(1, 5))[0] == 5.0
    assert parse_answer(far, Scale(1, 5))[0] < 5.0
    assert mock_judge.answer("What is the capital of France?") is None  # not a judge prompt
