"""Request translation OpenAI chat ↔ Anthropic messages, and overrides applied to a request."""

from __future__ import annotations

import pytest

from otel_llm import providers
from otel_llm.replay import InvalidOverride, Overrides
from otel_llm.replay.overrides import apply
from otel_llm.replay.request import ReplayRequest
from otel_llm.replay.translate import between

OPENAI_CHAT = providers.adapter("openai").chat_api
ANTHROPIC_MESSAGES = providers.adapter("anthropic").chat_api
DEFAULT_ANTHROPIC_MAX_TOKENS = providers.adapter("anthropic").max_tokens.default


def to_anthropic(params):
    """OpenAI chat → neutral form → Anthropic messages."""
    return between("openai", "anthropic", params)


def to_openai(params):
    """Anthropic messages → neutral form → OpenAI chat."""
    return between("anthropic", "openai", params)


TOOL = {
    "type": "function",
    "function": {
        "name": "lookup",
        "description": "Find it",
        "parameters": {"type": "object", "properties": {}},
    },
}


def test_system_messages_move_to_the_system_parameter_and_later_ones_are_reported():
    params, warnings = to_anthropic(
        {
            "model": "m",
            "max_tokens": 10,
            "messages": [
                {"role": "developer", "content": "Rule one."},
                {"role": "user", "content": "hi"},
                {"role": "system", "content": [{"type": "text", "text": "Rule two."}]},
            ],
        }
    )
    assert params["system"] == "Rule one.\n\nRule two."
    assert params["messages"] == [{"role": "user", "content": "hi"}]
    assert any("moved there" in w for w in warnings)


def test_consecutive_same_role_messages_are_merged_for_anthropic():
    params, _ = to_anthropic(
        {
            "model": "m",
            "max_tokens": 10,
            "messages": [
                {"role": "user", "content": "a"},
                {"role": "user", "content": [{"type": "text", "text": "b"}]},
                {"role": "assistant", "content": "c"},
            ],
        }
    )
    assert params["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
        {"role": "assistant", "content": "c"},
    ]


def test_max_tokens_default_is_reported_and_temperature_clamped_into_extra_body():
    params, warnings = to_anthropic(
        {"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": 1.8}
    )
    assert params["max_tokens"] == DEFAULT_ANTHROPIC_MAX_TOKENS
    assert params["extra_body"] == {"temperature": 1.0}
    assert any("max_tokens" in w for w in warnings) and any("1.8" in w for w in warnings)


def test_tools_tool_choice_and_parallel_calls_translate_both_ways():
    openai_params = {
        "model": "m",
        "max_completion_tokens": 50,
        "messages": [{"role": "user", "content": "x"}],
        "tools": [TOOL],
        "tool_choice": {"type": "function", "function": {"name": "lookup"}},
        "parallel_tool_calls": False,
        "stop": "END",
        "user": "u1",
    }
    anthropic_params, warnings = to_anthropic(openai_params)
    assert warnings == []
    assert anthropic_params["tools"] == [
        {"name": "lookup", "input_schema": {"type": "object", "properties": {}}, "description": "Find it"}
    ]
    assert anthropic_params["tool_choice"] == {
        "type": "tool",
        "name": "lookup",
        "disable_parallel_tool_use": True,
    }
    assert anthropic_params["stop_sequences"] == ["END"] and anthropic_params["metadata"] == {"user_id": "u1"}

    back, warnings = to_openai(anthropic_params)
    assert warnings == []
    assert back["tools"][0]["function"]["parameters"] == TOOL["function"]["parameters"]
    assert back["tool_choice"] == {"type": "function", "function": {"name": "lookup"}}
    assert back["parallel_tool_calls"] is False and back["stop"] == ["END"] and back["user"] == "u1"
    assert back["max_completion_tokens"] == 50


def test_tool_calls_and_results_round_trip():
    anthropic_params = {
        "model": "m",
        "max_tokens": 100,
        "messages": [
            {"role": "user", "content": "weather?"},
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Checking."},
                    {"type": "tool_use", "id": "t1", "name": "lookup", "input": {"city": "Oslo"}},
                ],
            },
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": "t1",
                        "content": [{"type": "text", "text": "rain"}],
                    },
                    {"type": "text", "text": "And tomorrow?"},
                ],
            },
        ],
    }
    openai_params, warnings = to_openai(anthropic_params)
    assert warnings == []
    assert openai_params["messages"][1] == {
        "role": "assistant",
        "content": "Checking.",
        "tool_calls": [
            {"id": "t1", "type": "function", "function": {"name": "lookup", "arguments": '{"city": "Oslo"}'}}
        ],
    }
    assert openai_params["messages"][2:] == [
        {"role": "tool", "tool_call_id": "t1", "content": "rain"},
        {"role": "user", "content": "And tomorrow?"},
    ]
    again, _ = to_anthropic(openai_params)
    assert again["messages"] == [
        {"role": "user", "content": "weather?"},
        anthropic_params["messages"][1],
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "t1", "content": "rain"},
                {"type": "text", "text": "And tomorrow?"},
            ],
        },
    ]


def test_images_translate_and_untranslatable_parts_are_reported_not_silently_dropped():
    params, warnings = to_anthropic(
        {
            "model": "m",
            "max_tokens": 10,
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
                        {"type": "input_audio", "input_audio": {"data": "x", "format": "wav"}},
                    ],
                }
            ],
            "n": 2,
            "logprobs": True,
            "response_format": {"type": "json_object"},
        }
    )
    assert params["messages"][0]["content"] == [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"}}
    ]
    text = " | ".join(warnings)
    for name in ("'input_audio' part", "'n'", "'logprobs'", "'response_format'"):
        assert name in text


def test_anthropic_only_features_are_reported():
    _, warnings = to_openai(
        {
            "model": "m",
            "max_tokens": 10,
            "system": [{"type": "text", "text": "s", "cache_control": {"type": "ephemeral"}}],
            "messages": [{"role": "user", "content": "x"}],
            "thinking": {"type": "enabled", "budget_tokens": 100},
            "extra_body": {"top_k": 5},
        }
    )
    text = " | ".join(warnings)
    assert "cache_control" in text and "'thinking'" in text and "'top_k'" in text


def test_no_cache_strips_markers_everywhere():
    request = ReplayRequest(
        ANTHROPIC_MESSAGES,
        {
            "model": "m",
            "max_tokens": 5,
            "cache_control": {"type": "ephemeral"},
            "system": [{"type": "text", "text": "s", "cache_control": {"type": "ephemeral"}}],
            "tools": [{"name": "t", "input_schema": {}, "cache_control": {"type": "ephemeral"}}],
            "messages": [
                {
                    "role": "user",
                    "content": [{"type": "text", "text": "x", "cache_control": {"type": "ephemeral"}}],
                }
            ],
        },
    )
    out = apply(request, Overrides(no_cache=True))
    assert "cache_control" not in repr(out.params)
    assert out.notes == [
        "caching disabled: removed 4 cache marker(s) (cache_control/prompt_cache_breakpoint)"
    ]
    assert "cache_control" in repr(request.params)  # the original is untouched

    openai = ReplayRequest(
        OPENAI_CHAT, {"model": "m", "messages": [], "prompt_cache_key": "k", "prompt_cache_retention": "24h"}
    )
    cleared = apply(openai, Overrides(no_cache=True))
    assert "prompt_cache" not in repr(cleared.params) and "prompt_cache_key" in cleared.notes[0]


def test_overrides_land_where_each_api_expects_them():
    chat = ReplayRequest(
        OPENAI_CHAT, {"model": "a", "max_tokens": 9, "messages": [{"role": "user", "content": "x"}]}
    )
    out = apply(chat, Overrides(model="b", temperature=0.1, max_tokens=20), system_text="Be brief.")
    assert out.params["model"] == "b" and out.params["temperature"] == 0.1 and out.params["max_tokens"] == 20
    assert out.params["messages"][0] == {"role": "system", "content": "Be brief."}

    messages = ReplayRequest(
        ANTHROPIC_MESSAGES, {"model": "a", "max_tokens": 9, "messages": [], "system": "old"}
    )
    out = apply(messages, Overrides(temperature=0.5), system_text="new")
    assert out.params["extra_body"] == {"temperature": 0.5} and out.params["system"] == "new"
    with pytest.raises(InvalidOverride, match="0.0 to 1.0"):
        apply(messages, Overrides(temperature=1.5))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"temperature": "hot"}, "invalid override value"),
        ({"temperature": 3}, "out of range"),
        ({"max_tokens": 0}, "at least 1"),
        ({"max_tokens": 2.5}, "whole number"),
        ({"provider": "mistral"}, "unknown provider"),
        ({"system_prompt": "a", "prompt": "p@v1"}, "not both"),
        ({"no_cache": "yes"}, "true or false"),
        ({"speed": 1}, "unknown override"),
    ],
)
def test_bad_overrides_are_refused_with_a_sentence(data, message):
    with pytest.raises(InvalidOverride, match=message):
        Overrides.from_json(data)
