"""Validation of experiment specs, and parsing of the textual forms the CLI and console accept.

Every error is an ``ExperimentError`` whose message says what is wrong and how to fix it.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from otel_llm import providers
from otel_llm.experiments.errors import ExperimentError
from otel_llm.experiments.model import (
    CONFIG_KEYS,
    METRICS,
    ExperimentSpec,
    TestCase,
    VariantSpec,
)

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
PROMPT_REF_PATTERN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._/-]*)@(?P<ref>v\d+|[A-Za-z0-9._-]+)$")
MAX_TEST_CASE_BYTES = 1024 * 1024
_ROLES = ("system", "user", "assistant")


def validate_name(name: str, what: str = "experiment") -> str:
    cleaned = (name or "").strip()
    if not NAME_PATTERN.match(cleaned):
        raise ExperimentError(
            f"invalid {what} name {name!r}: use 1–200 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit (e.g. 'model-bakeoff')."
        )
    return cleaned


def validate_spec(spec: ExperimentSpec) -> ExperimentSpec:
    """The spec with names stripped and configs normalised; ``ExperimentError`` otherwise."""
    name = validate_name(spec.name)
    if spec.primary_metric not in METRICS:
        raise ExperimentError(
            f"unknown primary metric {spec.primary_metric!r}; choose one of: {', '.join(METRICS)}."
        )
    variants = validate_variants(spec.variants)
    cases = [validate_test_case(c) for c in spec.test_cases]
    return ExperimentSpec(
        name=name,
        variants=variants,
        description=spec.description or "",
        hypothesis=spec.hypothesis or "",
        primary_metric=spec.primary_metric,
        author=spec.author or "",
        test_cases=cases,
        dataset=(spec.dataset or "").strip() or None,
    )


def validate_variants(variants: list[VariantSpec]) -> list[VariantSpec]:
    if len(variants) < 2:
        raise ExperimentError(
            f"an experiment needs at least 2 variants (a control and a challenger); got {len(variants)}."
        )
    names = [validate_name(v.name, "variant") for v in variants]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ExperimentError(
            f"duplicate variant name(s): {', '.join(duplicates)}; give each variant its own name."
        )
    controls = [v.name for v in variants if v.is_control]
    if len(controls) != 1:
        found = "none" if not controls else ", ".join(controls)
        raise ExperimentError(f"exactly one variant must be the control; found {found}.")
    _check_weights([v.weight for v in variants])
    return [
        VariantSpec(
            name=n, weight=float(v.weight), is_control=v.is_control, config=validate_config(v.config, n)
        )
        for n, v in zip(names, variants, strict=True)
    ]


def _check_weights(weights: list[float]) -> None:
    for weight in weights:
        if not isinstance(weight, int | float) or math.isnan(weight) or weight < 0 or weight > 100:
            raise ExperimentError(f"variant weight {weight!r} must be a number from 0 to 100.")
    total = sum(weights)
    if abs(total - 100) > 1e-6:
        shown = ", ".join(f"{w:g}" for w in weights)
        raise ExperimentError(f"variant weights must add up to 100; {shown} add up to {total:g}.")


def validate_config(config: dict[str, Any], variant: str) -> dict[str, Any]:
    unknown = sorted(set(config) - set(CONFIG_KEYS))
    if unknown:
        raise ExperimentError(
            f"variant {variant!r}: unknown setting(s) {', '.join(unknown)}; allowed: {', '.join(CONFIG_KEYS)}."
        )
    provider = config.get("provider")
    if provider not in providers.names():
        raise ExperimentError(
            f"variant {variant!r}: unknown provider {provider!r}; use one of: {', '.join(providers.names())}."
        )
    if not str(config.get("model") or "").strip():
        raise ExperimentError(f"variant {variant!r}: set a model (e.g. model=gpt-4o-mini).")
    clean: dict[str, Any] = {"provider": provider, "model": str(config["model"]).strip()}
    clean.update(_numbers(config, variant))
    clean.update(_prompt(config, variant))
    return clean


def _numbers(config: dict[str, Any], variant: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if config.get("temperature") not in (None, ""):
        try:
            temperature = float(config["temperature"])
        except (TypeError, ValueError):
            temperature = -1.0
        allowed = providers.adapter(config["provider"]).temperature
        if not allowed.contains(temperature):
            raise ExperimentError(
                f"variant {variant!r}: temperature must be a number from {allowed.low:g} to {allowed.high:g} "
                f"for {config['provider']}."
            )
        out["temperature"] = temperature
    if config.get("max_tokens") not in (None, ""):
        try:
            max_tokens = int(config["max_tokens"])
        except (TypeError, ValueError):
            max_tokens = 0
        if max_tokens <= 0 or str(config["max_tokens"]).strip() != str(max_tokens):
            raise ExperimentError(f"variant {variant!r}: max_tokens must be a positive whole number.")
        out["max_tokens"] = max_tokens
    return out


def _prompt(config: dict[str, Any], variant: str) -> dict[str, Any]:
    system_prompt = config.get("system_prompt") or None
    prompt_ref = (config.get("prompt_ref") or "").strip() or None
    if system_prompt and prompt_ref:
        raise ExperimentError(
            f"variant {variant!r}: give either a system prompt or a prompt reference, not both."
        )
    if prompt_ref:
        parse_prompt_ref(prompt_ref)
        return {"prompt_ref": prompt_ref}
    return {"system_prompt": str(system_prompt)} if system_prompt else {}


def parse_prompt_ref(ref: str) -> tuple[str, int | None, str | None]:
    """``name@v3`` → (name, 3, None); ``name@production`` → (name, None, "production")."""
    match = PROMPT_REF_PATTERN.match(ref or "")
    if not match:
        raise ExperimentError(
            f"invalid prompt reference {ref!r}: write NAME@vN (a version) or NAME@LABEL (e.g. support@production)."
        )
    part = match.group("ref")
    if re.fullmatch(r"v\d+", part):
        return match.group("name"), int(part[1:]), None
    return match.group("name"), None, part


def validate_test_case(case: TestCase) -> TestCase:
    messages = case.messages
    if not isinstance(messages, list) or not messages:
        raise ExperimentError("a test case needs at least one message.")
    clean = []
    for message in messages:
        if not isinstance(message, dict) or message.get("role") not in _ROLES:
            raise ExperimentError(
                f"test case message {message!r} needs a role ({', '.join(_ROLES)}) and content."
            )
        if not isinstance(message.get("content"), str) or not message["content"].strip():
            raise ExperimentError(f"test case message {message!r} has empty content.")
        clean.append({"role": message["role"], "content": message["content"]})
    if clean[-1]["role"] != "user":
        raise ExperimentError("the last message of a test case must come from the user.")
    if len(json.dumps(clean)) > MAX_TEST_CASE_BYTES:
        raise ExperimentError("a test case is larger than 1 MiB; shorten it.")
    reference = case.reference_output
    return TestCase(messages=clean, reference_output=str(reference) if reference else None, id=case.id)


def case_from_text(text: str, reference_output: str | None = None) -> TestCase:
    """A one-message test case from plain text."""
    return validate_test_case(
        TestCase(messages=[{"role": "user", "content": text}], reference_output=reference_output)
    )


def parse_test_cases_jsonl(text: str) -> list[TestCase]:
    """One test case per line: ``{"messages": [...], "reference_output": "..."}`` or ``{"input": "..."}``.

    Blank lines are skipped; a bad line is reported with its number and nothing is stored.
    """
    cases = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            cases.append(_case_from_json(json.loads(line)))
        except (json.JSONDecodeError, ExperimentError, TypeError) as exc:
            raise ExperimentError(f"test cases line {number}: {exc}") from exc
    if not cases:
        raise ExperimentError("the test cases file holds no test case; write one JSON object per line.")
    return cases


def _case_from_json(data: Any) -> TestCase:
    if not isinstance(data, dict):
        raise ExperimentError('expected a JSON object like {"input": "Hello"} or {"messages": [...]}.')
    reference = data.get("reference_output", data.get("expected"))
    if "messages" in data:
        return validate_test_case(TestCase(messages=data["messages"], reference_output=reference))
    if isinstance(data.get("input"), str):
        return case_from_text(data["input"], reference)
    raise ExperimentError('expected a "messages" list or an "input" string.')


def parse_variant(text: str) -> VariantSpec:
    """``name=a,provider=openai,model=gpt-4o-mini,temperature=0.7[,weight=50][,control=true]``.

    A JSON object is accepted too (for system prompts that contain commas).
    """
    text = (text or "").strip()
    fields = _variant_fields(text)
    name = fields.pop("name", "")
    if not name:
        raise ExperimentError(f"variant {text!r} needs a name (name=...).")
    control = str(fields.pop("control", "false")).strip().lower() in ("1", "true", "yes")
    weight_raw = fields.pop("weight", None)
    try:
        weight = float(weight_raw) if weight_raw not in (None, "") else math.nan
    except (TypeError, ValueError) as exc:
        raise ExperimentError(f"variant {name!r}: weight {weight_raw!r} is not a number.") from exc
    return VariantSpec(name=str(name), weight=weight, is_control=control, config=fields)


def _variant_fields(text: str) -> dict[str, Any]:
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ExperimentError(f"variant {text!r} is not valid JSON: {exc}.") from exc
        if not isinstance(data, dict):
            raise ExperimentError("a JSON variant must be an object.")
        return data
    fields: dict[str, Any] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise ExperimentError(
                f"variant {text!r}: expected key=value pairs separated by commas "
                "(e.g. name=a,provider=openai,model=gpt-4o-mini)."
            )
        fields[key.strip()] = value.strip()
    return fields


def apply_weights(variants: list[VariantSpec], weights: list[float] | None) -> list[VariantSpec]:
    """Fill in weights (the given list, else an even split) and make the first variant the control
    when none is marked."""
    if weights is not None and len(weights) != len(variants):
        raise ExperimentError(
            f"{len(weights)} weight(s) given for {len(variants)} variants; give one per variant."
        )
    if weights is None:
        weights = _own_or_even_weights(variants)
    has_control = any(v.is_control for v in variants)
    return [
        VariantSpec(v.name, w, v.is_control or (not has_control and i == 0), v.config)
        for i, (v, w) in enumerate(zip(variants, weights, strict=True))
    ]


def _own_or_even_weights(variants: list[VariantSpec]) -> list[float]:
    missing = [math.isnan(v.weight) for v in variants]
    if not any(missing):
        return [v.weight for v in variants]
    if not all(missing):
        raise ExperimentError("give a weight to every variant or to none (then traffic is split evenly).")
    share = round(100 / len(variants), 4)
    return [share] * (len(variants) - 1) + [round(100 - share * (len(variants) - 1), 4)]


def parse_weights(text: str) -> list[float]:
    try:
        return [float(part) for part in text.split(",")]
    except ValueError as exc:
        raise ExperimentError(f"weights {text!r} must be numbers separated by commas (e.g. 50,50).") from exc
