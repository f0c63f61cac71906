"""LLM-as-judge: a judge prompt of the prompt registry, sent to any provider's model, answering a
score on the prompt's scale and a rationale.

``judge:helpfulness`` uses prompt ``judge-helpfulness`` (created from the built-in default below on
first use, so it is versioned and diffable like any prompt; edit it with ``otel-llm prompts``).
``judge:helpfulness@v2`` pins a version. The prompt's config holds the judge's ``model`` (and
``provider``, else the one whose models are named like it), ``temperature`` and the scale
(``scale_low``, ``scale_high``; default 1–5). The template sees ``{{input}}``, ``{{output}}`` and
``{{expected}}``, in the prompt's format (simple or Jinja, includes resolved); a text prompt is sent as
the user message, a chat prompt as its whole request (messages, tools, response format, parameters).

Judge calls go through ``otel_llm.server_calls`` into the run's project, tagged
``otel_llm.evaluation=judge`` (never counted as app traffic) and costed in the run. An answer with
no score on the scale is an evaluator error, never a score.
"""

from __future__ import annotations

import json
import math
import re
import threading
from dataclasses import replace
from typing import Any

from sqlalchemy import Engine

from otel_llm import attributes as attrs
from otel_llm import providers, server_calls
from otel_llm.evaluation.base import NUMERIC, Case, Evaluator, EvaluatorError, Outcome, Scale
from otel_llm.providers.neutral import Neutral, text_part

PREFIX = "judge-"
DEFAULT_MODEL = "gpt-4o-mini"
_ANSWER_FORMAT = 'Reply with JSON only: {"score": <integer from 1 to 5>, "rationale": "<one sentence>"}'

_SECTIONS = """<question>
{{input}}
</question>

<answer>
{{output}}
</answer>

<reference>
{{expected}}
</reference>
"""

DEFAULTS: dict[str, str] = {
    "helpfulness": (
        "You grade an AI assistant's answer for helpfulness.\n\n" + _SECTIONS + "\n"
        "Rate how well the answer helps with the question, from 1 (not at all) to 5 (fully). "
        "When a reference answer is given, it is what a fully helpful answer covers.\n" + _ANSWER_FORMAT
    ),
    "correctness": (
        "You grade an AI assistant's answer for correctness against the reference answer.\n\n"
        + _SECTIONS
        + "\nRate how far the answer agrees with the reference, from 1 (contradicts it or misses "
        "it entirely) to 5 (says the same).\n" + _ANSWER_FORMAT
    ),
}
DEFAULT_CONFIG = {"model": DEFAULT_MODEL, "temperature": 0, "scale_low": 1, "scale_high": 5}

_SCORE_WORD = re.compile(r"\bscore\b\W{0,4}(-?\d+(?:\.\d+)?)", re.IGNORECASE)
_RATIONALE_WORD = re.compile(r"\brationale\b\W{0,4}(.+)", re.IGNORECASE | re.DOTALL)


def parse_answer(text: str, scale: Scale) -> tuple[float, str | None]:
    """The score and rationale of a judge's answer: a JSON object with ``score`` (anywhere in the
    text, fenced or not), else ``score: N`` in words. ``EvaluatorError`` when there is no score or
    it is off the scale."""
    found = _json_verdict(text) or _worded_verdict(text)
    if found is None:
        raise EvaluatorError(f"the judge's answer holds no score: {_short(text)!r}")
    raw, rationale = found
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise EvaluatorError(f"the judge's score {raw!r} is not a number") from None
    if isinstance(raw, bool) or not math.isfinite(value) or not scale.contains(value):
        raise EvaluatorError(f"the judge's score {raw!r} is outside its scale {scale.low:g}–{scale.high:g}")
    return value, (str(rationale).strip()[:2000] or None) if rationale is not None else None


def _json_verdict(text: str) -> tuple[Any, Any] | None:
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", text or ""):
        try:
            value, _ = decoder.raw_decode(text, match.start())
        except ValueError:
            continue
        if isinstance(value, dict):
            lowered = {str(k).lower(): v for k, v in value.items()}
            if "score" in lowered:
                return lowered["score"], lowered.get("rationale") or lowered.get("reason")
    return None


def _worded_verdict(text: str) -> tuple[str, str | None] | None:
    match = _SCORE_WORD.search(text or "")
    if match is None:
        return None
    rationale = _RATIONALE_WORD.search(text)
    return match.group(1), rationale.group(1) if rationale else None


def _short(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= 120 else text[:117] + "..."


def input_text(value: Any) -> str:
    """A dataset item's input as the judge reads it: messages as ``role: text`` lines, variables as JSON."""
    if isinstance(value, list):
        return "\n".join(
            f"{m.get('role', 'user')}: {m.get('content', '')}" if isinstance(m, dict) else str(m)
            for m in value
        )
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "" if value is None else str(value)


def ensure_prompt(engine: Engine, project_id: int, ref_text: str):
    """The judge prompt version ``ref_text`` (``judge-helpfulness``, ``…@v2``); a built-in judge's
    prompt is created from its default on first use."""
    from otel_llm.prompts import names, versions
    from otel_llm.prompts.errors import PromptError, PromptNotFound

    ref = names.parse_ref(ref_text)
    try:
        return versions.resolve(engine, project_id, ref)
    except PromptNotFound:
        default = DEFAULTS.get(ref.name.removeprefix(PREFIX))
        if default is None or ref.version not in (None, 1):
            raise EvaluatorError(
                f"there is no judge prompt {ref.name!r}; create it with `otel-llm prompts create {ref.name}` "
                f"or use a built-in judge ({', '.join('judge:' + n for n in DEFAULTS)})."
            ) from None
        try:
            return versions.create_version(
                engine, project_id, ref.name, default, config=DEFAULT_CONFIG, summary="Built-in default judge"
            )
        except PromptError:  # created meanwhile by another run
            return versions.resolve(engine, project_id, ref)
    except PromptError as exc:
        raise EvaluatorError(f"judge prompt {ref_text!r}: {exc}") from exc


class Judge(Evaluator):
    """One judge prompt version on one model, calling through ``server_calls`` for ``project_id``."""

    kind = NUMERIC
    makes_calls = True

    def __init__(
        self,
        engine: Engine,
        project_id: int,
        spec: str,
        *,
        model: str | None = None,
        provider: str | None = None,
        base_url: str | None = None,
        run_id: int | None = None,
    ) -> None:
        name, _, selector = spec.partition("@")
        version = ensure_prompt(engine, project_id, PREFIX + name + (f"@{selector}" if selector else ""))
        config = version.config or {}
        self.engine, self.project_id, self.base_url, self.run_id = engine, project_id, base_url, run_id
        self.prompt = version
        self.model = model or config.get("model") or DEFAULT_MODEL
        self.provider = (
            provider or config.get("provider") or providers.provider_for_model(self.model) or "openai"
        )
        self.temperature = config.get("temperature")
        self.scale = Scale(float(config.get("scale_low", 1)), float(config.get("scale_high", 5)))
        self.name = f"judge:{name}"
        self.version = f"v{version.version}/{self.model}"
        self._client: Any = None
        self._lock = threading.Lock()

    def prompt_tags(self) -> dict[str, Any]:
        return {"name": self.prompt.name, "version": self.prompt.version}

    def check(self) -> None:
        try:
            providers.check_credentials(self.provider, self.base_url)
        except providers.MissingCredentials as exc:
            raise EvaluatorError(f"{self.name}: {exc}") from exc

    def evaluate(self, case: Case) -> Outcome:
        from otel_llm.experiments.calls import render_prompt
        from otel_llm.prompts.errors import PromptError
        from otel_llm.replay.diff import output_text

        values = {
            "input": input_text(case.input),
            "output": case.output or "",
            "expected": case.expected or "(none)",
        }
        try:
            rendered = render_prompt(self.prompt, values)
        except PromptError as exc:
            raise EvaluatorError(f"{self.name}: {exc}") from exc
        row = self._call(self._request(rendered), case.span_id)
        if row is None:
            raise EvaluatorError(f"{self.name}: the judge call left no span")
        if row.get("status_code") == "ERROR":
            raise EvaluatorError(
                f"{self.name}: the judge call failed: {row.get('status_message') or row.get('error_type')}",
                cost_usd=row.get("cost_usd"),
                span_id=row["span_id"],
            )
        try:
            value, rationale = parse_answer(output_text(row), self.scale)
        except EvaluatorError as exc:
            raise EvaluatorError(str(exc), cost_usd=row.get("cost_usd"), span_id=row["span_id"]) from None
        return Outcome(value, rationale, row.get("cost_usd"), row["span_id"])

    def _request(self, rendered: str | Neutral) -> Neutral:
        """The judge's request: a text prompt as the user message, a chat prompt as rendered; the
        judge's model and temperature."""
        params = {"temperature": self.temperature} if self.temperature is not None else {}
        if isinstance(rendered, Neutral):
            return replace(rendered, model=self.model, params={**rendered.params, **params})
        return Neutral(self.model, [{"role": "user", "parts": [text_part(rendered)]}], params=params)

    def _call(self, request: Neutral, evaluated: str | None) -> dict[str, Any] | None:
        adapter = providers.adapter(self.provider)
        kwargs, _ = adapter.from_neutral(request)
        marks: dict[str, Any] = {attrs.EVALUATION: "judge"}
        if evaluated:
            marks[attrs.EVALUATION_OF] = evaluated
        if self.run_id is not None:
            marks[attrs.EVALUATION_RUN] = self.run_id
        with server_calls.record(self.project_id, attributes=marks) as recording:
            try:
                adapter.resource(self._sdk(), adapter.chat_api).create(**kwargs)
            except Exception:  # recorded on the span; worded from it below
                pass
        with self.engine.begin() as connection:
            rows = recording.write(connection)
        return next((r for r in rows if r.get("is_llm")), None)

    def _sdk(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = providers.client(self.provider, base_url=self.base_url)
            return self._client
