"""Evaluators and evaluation runs: which answer is better, and how sure.

- ``base``: what an evaluator takes (``Case``) and gives (``Outcome``);
- ``builtin``: exact, contains, regex, json / json_schema, numeric, similarity;
- ``custom``: Python functions (``module:function`` or the ``otel_llm_evaluators`` entry points);
- ``judge``: LLM-as-judge with its prompt in the prompt registry;
- ``registry.resolve(spec)``: the evaluator a command-line name stands for;
- ``runs``, ``results``, ``gate``, ``stats``: running an evaluation and reading it (server side;
  ``stats`` imports scipy, so ``import otel_llm`` never imports this package's server modules).
"""

from otel_llm.evaluation.base import Case, Evaluator, EvaluatorError, Outcome, Scale, UnknownEvaluator

__all__ = ["Case", "Evaluator", "EvaluatorError", "Outcome", "Scale", "UnknownEvaluator"]
