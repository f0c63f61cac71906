"""The MCP server: every tool of ``tools/`` and the ``prompt://`` / ``span://`` resources, on the
official SDK's ``MCPServer``, each call checked against the caller's API key first.

``OtelLlmMcp(engine, api_key=None)``: with ``api_key`` (stdio) every call runs as that key; without
(HTTP) each request's ``Authorization: Bearer`` header names the key. Errors reach the agent
as one sentence: a domain error's own message, a database problem in one line, anything else as
"failed unexpectedly" (the traceback stays in the server's log).
"""

from __future__ import annotations

import inspect
import logging
import typing
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from otel_llm_server.mcp_server import resources, tools
from otel_llm_server.mcp_server.access import AccessDenied, authenticate_key, bearer_token, require
from otel_llm_server.mcp_server.registry import TOOLS, InvalidArgument, NotInProject, ToolEnv, ToolSpec
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from otel_llm.accounts import AccountError
from otel_llm.datasets import DatasetError
from otel_llm.evaluation.errors import EvaluationError
from otel_llm.experiments.errors import ExperimentError
from otel_llm.feedback import FeedbackError
from otel_llm.masking import redact, short_error
from otel_llm.prompts.errors import PromptError
from otel_llm.replay import ReplayError
from otel_llm.traces import InvalidCursor

logger = logging.getLogger(__name__)

INSTRUCTIONS = """\
otel-llm stores the LLM calls (spans) of an application, its prompt versions and its model
experiments. Start with search_llm_calls (filters: model, status=error, since=24h, prompt_name…),
then get_span for one call or get_trace for the agent/tool steps around it. Prompts: list_prompts,
list_prompt_versions, get_prompt_version, diff_prompt_versions, prompt_metrics. Experiments:
list_experiments, experiment_results. Datasets: list_datasets, get_dataset_items. Evaluation runs
(a dataset answered by variants, judged by evaluators): list_evaluation_runs, evaluation_results. Scores:
list_score_configs, list_scores (get_span shows a span's scores). With an editor key: replay_span
(send a call again with another model, temperature or system prompt and compare),
add_spans_to_dataset, add_score, add_feedback. Everything is scoped to the project of the
API key. Long texts are cut; each cut says how to read the rest."""

USER_ERRORS = (
    AccessDenied,
    InvalidArgument,
    NotInProject,
    AccountError,
    InvalidCursor,
    PromptError,
    ExperimentError,
    DatasetError,
    EvaluationError,
    ReplayError,
    FeedbackError,
)
"""The services' domain errors: their message is a sentence for the user, shown as is (secrets
masked). Anything else is a bug, worded as "failed unexpectedly" with the traceback in the log."""


class OtelLlmMcp:
    """The SDK server plus what each call needs: the engine and, over stdio, the fixed API key."""

    def __init__(self, engine: Engine, api_key: str | None = None) -> None:
        self.engine = engine
        self.api_key = api_key
        self.mcp = MCPServer("otel-llm", instructions=INSTRUCTIONS)
        for spec in sorted(TOOLS, key=tools.order):
            self.mcp.add_tool(
                self._tool(spec),
                name=spec.name,
                description=_description(spec.fn),
                annotations=spec.annotations,
                structured_output=False,
            )
        resources.register(self)

    def caller(self, headers: Mapping[str, str] | None, role: str = "viewer"):
        """The authenticated caller of this message (the stdio key, else the HTTP header's)."""
        token = self.api_key if self.api_key is not None else bearer_token(headers)
        return require(authenticate_key(self.engine, token), role)

    def _tool(self, spec: ToolSpec) -> Callable[..., str]:
        """An SDK tool function for ``spec``: the tool's own keyword arguments plus the SDK context."""

        def run(ctx: Context, **arguments: Any) -> str:
            return self.call(spec, ctx.headers, arguments)

        params = _parameters(spec.fn)
        run.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=Context), *params],
            return_annotation=str,
        )
        run.__annotations__ = {"ctx": Context, **{p.name: p.annotation for p in params}, "return": str}
        run.__name__ = spec.name
        return run

    def call(self, spec: ToolSpec, headers: Mapping[str, str] | None, arguments: dict[str, Any]) -> str:
        """Run one tool call (on a worker thread): key and role first, then the tool, as compact JSON."""
        try:
            env = ToolEnv(self.engine, self.caller(headers, spec.role))
            return dumps(spec.fn(env, **arguments))
        except USER_ERRORS as exc:
            raise ToolError(redact(str(exc))) from None
        except SQLAlchemyError as exc:
            logger.warning("otel-llm mcp: %s: database error: %s", spec.name, short_error(exc))
            raise ToolError(
                f"the database could not answer ({short_error(exc)}); check that it is running and "
                "migrated (`otel-llm db upgrade`), then try again."
            ) from None
        except Exception:
            logger.exception("otel-llm mcp: %s failed", spec.name)
            raise ToolError(
                f"{spec.name} failed unexpectedly; the MCP server's log has the details."
            ) from None

    def read(self, headers: Mapping[str, str] | None, reader: Callable[[Engine, Any], Any]) -> str:
        """Run a resource read: key first; a missing object is "not found", other errors a sentence."""
        try:
            return reader(self.engine, self.caller(headers))
        except USER_ERRORS as exc:
            missing = isinstance(exc, NotInProject) or getattr(exc, "code", None) == "not_found"
            raise (ResourceNotFoundError if missing else ResourceError)(redact(str(exc))) from None


def _parameters(fn: Callable[..., Any]) -> list[inspect.Parameter]:
    """``fn``'s keyword arguments after ``env``, with their annotations resolved (for the schema)."""
    hints = typing.get_type_hints(fn, include_extras=True)
    params = list(inspect.signature(fn).parameters.values())[1:]
    return [p.replace(annotation=hints.get(p.name, p.annotation)) for p in params]


def _description(fn: Callable[..., Any]) -> str:
    return " ".join(inspect.cleandoc(fn.__doc__ or "").split())


def dumps(value: Any) -> str:
    """Compact JSON (the agent pays for every character); datetimes as ISO 8601. Keys that are not
    exactly ``str`` (SQLAlchemy's ``quoted_name`` of a row mapping) are written as strings."""
    return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
