"""Chat prompts, template formats and composition, on SQLite and Postgres: what a version holds,
how it renders to each provider's call, and real SDK calls against the local provider."""

from __future__ import annotations

import anthropic
import openai
import pytest

import otel_llm
from otel_llm.hashing import text_hash
from otel_llm.prompts import catalog, chat_diff, client, includes, labels, versions
from otel_llm.prompts.client import Prompt
from otel_llm.prompts.errors import Conflict, InvalidInput, MissingVariable
from otel_llm.storage.db import get_engine

SYSTEM = "You are {{company}}'s support agent."
TOOL = {
    "name": "lookup_order",
    "description": "Find an order by id",
    "parameters": {
        "type": "object",
        "properties": {"order_id": {"type": "string"}},
        "required": ["order_id"],
    },
}
ANSWER = {
    "name": "answer",
    "schema": {"type": "object", "properties": {"reply": {"type": "string"}}, "required": ["reply"]},
}
MESSAGES = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "Order {{order}}?"}]


@pytest.fixture
def reg(db_url):
    engine = get_engine(db_url)
    return engine, catalog.project_id(engine, "default", create=True)


def _chat(engine, pid, name="support", **extra):
    values = {
        "messages": MESSAGES,
        "tools": [TOOL],
        "response_format": ANSWER,
        "config": {"model": "gpt-4o-mini"},
    }
    return versions.create_version(engine, pid, name, **(values | extra))


def test_a_chat_version_keeps_messages_tools_and_schema_and_hashes_all_of_it(reg):
    engine, pid = reg
    v1 = _chat(engine, pid)
    assert (v1.kind, v1.messages[1]["content"], v1.tools[0]["name"]) == (
        "chat",
        "Order {{order}}?",
        "lookup_order",
    )
    assert v1.response_format == ANSWER and v1.variables == ["company", "order"]
    assert v1.version_hash == text_hash(SYSTEM)  # spans link on the system message, as for text prompts
    with pytest.raises(Conflict, match="already has this template"):
        _chat(engine, pid)
    schema = {"type": "object", "properties": {"reply": {"type": "string"}, "mood": {"type": "string"}}}
    v2 = _chat(engine, pid, response_format={"name": "answer", "schema": schema})
    assert v2.version == 2 and v2.content_hash != v1.content_hash and v2.version_hash == v1.version_hash
    again = versions.get_version(engine, pid, "support", 2)
    assert again.response_format["schema"] == schema and again.tools == v1.tools


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"messages": [{"role": "robot", "content": "x"}]}, "role 'robot'"),
        ({"tools": [{"name": "bad name"}]}, "tool needs a name"),
        ({"response_format": {"name": "a", "schema": {"type": 12}}}, "not a valid JSON Schema"),
        ({"messages": [{"role": "user", "content": "{{ x"}]}, r"message 1 \(user\).*line 1, column 1"),
    ],
)
def test_bad_chat_parts_are_refused(reg, extra, message):
    engine, pid = reg
    with pytest.raises(InvalidInput, match=message):
        _chat(engine, pid, **extra)
    assert catalog.list_prompts(engine, pid) == []


def test_the_prompt_renders_to_each_providers_own_call(reg):
    engine, pid = reg
    prompt = Prompt.from_dict(_chat(engine, pid, config={"model": "m", "temperature": 0.2}).to_dict())
    o = prompt.openai_kwargs(company="Acme", order="42")
    assert o["messages"] == [
        {"role": "system", "content": "You are Acme's support agent."},
        {"role": "user", "content": "Order 42?"},
    ]
    assert o["tools"][0]["function"]["name"] == "lookup_order" and o["temperature"] == 0.2
    assert o["response_format"] == {"type": "json_schema", "json_schema": ANSWER}
    a = prompt.anthropic_kwargs(company="Acme", order="42")
    assert a["system"] == "You are Acme's support agent." and a["messages"] == [
        {"role": "user", "content": "Order 42?"}
    ]
    assert a["tools"][0]["input_schema"] == TOOL["parameters"]
    assert a["output_config"] == {"format": {"type": "json_schema", "schema": ANSWER["schema"]}}
    g = prompt.gemini_kwargs(company="Acme", order="42")
    assert g["config"]["response_json_schema"] == ANSWER["schema"]
    assert g["config"]["tools"][0]["function_declarations"][0]["name"] == "lookup_order"
    with pytest.raises(MissingVariable, match="needs a value for order"):
        prompt.openai_kwargs(company="Acme")


def test_jinja_prompts_branch_and_loop_in_a_sandbox(reg):
    engine, pid = reg
    text = (
        "Hi {{ name }}.{% if vip %} Priority.{% endif %}\n{% for item in items %}- {{ item }}\n{% endfor %}"
    )
    v = versions.create_version(engine, pid, "j", text, template_format="jinja2")
    prompt = Prompt.from_dict(v.to_dict())
    assert v.variables == ["name", "vip", "items"]
    assert prompt.render(name="Ada", vip=True, items=["a", "b"]) == "Hi Ada. Priority.\n- a\n- b\n"
    with pytest.raises(MissingVariable, match="needs a value for items"):
        prompt.render(name="Ada", vip=False)
    sneaky = versions.create_version(
        engine, pid, "s", "{{ name.__class__.__mro__ }}", template_format="jinja2"
    )
    with pytest.raises(InvalidInput, match="sandbox refuses"):
        Prompt.from_dict(sneaky.to_dict()).render(name="x")
    with pytest.raises(InvalidInput, match="line 2, column 3"):
        versions.create_version(engine, pid, "bad", "ok\n  {% if x %}never closed", template_format="jinja2")


def test_includes_are_resolved_at_create_recorded_and_listed_on_the_included_prompt(reg):
    engine, pid = reg
    versions.create_version(engine, pid, "footer", "Thanks, {{agent}}.")
    labels.publish(engine, pid, "footer", 1)
    main = versions.create_version(engine, pid, "mail", "Dear {{customer}}.\n{{> footer@production}}")
    assert [(i["name"], i["version"]) for i in main.includes] == [("footer", 1)]
    assert main.variables == ["customer", "agent"]
    versions.create_version(engine, pid, "footer", "Regards, {{agent}}.")
    labels.publish(engine, pid, "footer", 2)  # moving the label later does not change mail@v1
    stored = Prompt.from_dict(versions.get_version(engine, pid, "mail", 1).to_dict())
    assert stored.render(customer="Ada", agent="Bo") == "Dear Ada.\nThanks, Bo."
    refs = includes.referencing(engine, pid, "footer")
    assert [(r.name, r.version, r.ref, r.included_version) for r in refs] == [
        ("mail", 1, "footer@production", 1)
    ]
    jinja_footer = versions.create_version(
        engine, pid, "jfooter", "Bye {{ agent }}", template_format="jinja2"
    )
    j = versions.create_version(
        engine, pid, "jmail", 'Hi.{% include "jfooter@v1" %}', template_format="jinja2"
    )
    assert Prompt.from_dict(j.to_dict()).render(agent="Cy") == "Hi.Bye Cy" and jinja_footer.version == 1
    with pytest.raises(InvalidInput, match="simple prompt includes simple prompts only"):
        versions.create_version(engine, pid, "mixed", "x {{> jfooter@v1}}")


def test_a_cycle_of_includes_is_refused(reg):
    engine, pid = reg
    versions.create_version(engine, pid, "a", "A")
    versions.create_version(engine, pid, "b", "B {{> a}}")
    with pytest.raises(Conflict, match=r"cycle \(a -> b -> a\)"):
        versions.create_version(engine, pid, "a", "A2 {{> b}}")
    with pytest.raises(Conflict, match="cycle"):
        versions.create_version(engine, pid, "c", "C {{> c@v1}}")


def test_chat_versions_diff_message_by_message_with_structured_tools_and_schema(reg):
    engine, pid = reg
    v1 = _chat(engine, pid)
    tool = TOOL | {"description": "Find an order"}
    messages = [MESSAGES[0], {"role": "user", "content": "Where is order {{order}}?"}]
    v2 = _chat(engine, pid, messages=messages, tools=[tool, {"name": "refund"}], response_format=None)
    lines = chat_diff.unified(v1, v2)
    text = "\n".join(lines)
    assert "-Order {{order}}?" in text and "+Where is order {{order}}?" in text
    assert "message 1 (system)" not in text  # unchanged messages are not shown
    assert "~ tools.lookup_order.description: 'Find an order by id' -> 'Find an order'" in text
    assert "+ tools.refund" in text and "- response_format" in text


def test_real_openai_and_anthropic_calls_from_a_chat_prompt_are_linked(
    reg, db_url, mock_llm, tmp_path, monkeypatch
):
    """CLI-free path: SDK fetches the version, renders it, real SDK calls go to the local provider,
    and the stored spans link to the version (tag inside ``with prompt:``, system hash outside)."""
    from otel_llm import pipeline
    from otel_llm.prompts import metrics

    engine, pid = reg
    static = [{"role": "system", "content": "You are a support agent."}, MESSAGES[1]]
    _chat(engine, pid, messages=static, config={"model": "gpt-4o-mini", "max_tokens": 50})
    labels.publish(engine, pid, "support", 1)
    monkeypatch.setenv("OTEL_LLM_DATABASE_URL", db_url)
    monkeypatch.setenv("OTEL_LLM_SPOOL_DIR", str(tmp_path / "spool"))
    client.clear_cache()
    otel_llm.configure(database_url=db_url, project="default")
    otel_llm.instrument()
    try:
        prompt = otel_llm.get_prompt("support")
        o_sdk = openai.OpenAI(base_url=mock_llm.url + "/v1", api_key="test", max_retries=0)
        a_sdk = anthropic.Anthropic(base_url=mock_llm.url, api_key="test", max_retries=0)
        with prompt:
            answer = o_sdk.chat.completions.create(**prompt.openai_kwargs(order="42"))
        kwargs = prompt.anthropic_kwargs(order="42") | {"model": "claude-haiku-4-5"}
        reply = a_sdk.messages.create(**kwargs)  # outside the block: linked by the system text
        pipeline.flush()
    finally:
        otel_llm.uninstrument()
        pipeline.shutdown()
        client.clear_cache()
    assert answer.choices[0].message is not None and reply.content
    by_version = {m.version: m for m in metrics.version_metrics(engine, pid, "support", since=None)}
    assert by_version[1].calls == 2


def test_duplicate_keeps_the_chat_set_up_and_the_response_format_crosses_providers(reg):
    from otel_llm.replay.translate import between

    engine, pid = reg
    _chat(engine, pid)
    _chat(engine, pid, tools=[])
    copy = versions.duplicate_version(engine, pid, "support", 1)
    assert (copy.version, copy.tools, copy.response_format, copy.messages) == (
        3,
        (TOOL | {"type": "function"},),
        ANSWER,
        tuple(MESSAGES),
    )
    params = Prompt.from_dict(copy.to_dict()).openai_kwargs(company="A", order="1")
    anthropic_params, _ = between("openai", "anthropic", params)
    assert anthropic_params["output_config"]["format"]["schema"] == ANSWER["schema"]
    gemini_params, _ = between("anthropic", "gcp.gemini", anthropic_params)
    assert gemini_params["config"]["response_json_schema"] == ANSWER["schema"]


def test_a_jinja_chat_prompt_may_leave_out_a_variable_it_tests_for(reg):
    engine, pid = reg
    messages = [{"role": "user", "content": "Hi{% if name is defined %} {{ name }}{% endif %}, {{ ask }}"}]
    v = versions.create_version(
        engine, pid, "jc", messages=messages, template_format="jinja2", config={"model": "m"}
    )
    prompt = Prompt.from_dict(v.to_dict())
    assert prompt.openai_kwargs(ask="ok?")["messages"] == [{"role": "user", "content": "Hi, ok?"}]
    assert prompt.render_messages(ask="ok?", name="Ada")[0]["content"] == "Hi Ada, ok?"
    with pytest.raises(MissingVariable, match="ask"):
        prompt.openai_kwargs(name="Ada")


def test_a_chat_message_includes_a_text_prompt_and_a_chat_prompt_cannot_be_included(reg):
    engine, pid = reg
    versions.create_version(engine, pid, "rules", "Never share {{secret_kind}}.")
    messages = [{"role": "system", "content": "You are an agent. {{> rules@v1}}"}, MESSAGES[1]]
    v = versions.create_version(engine, pid, "agent", messages=messages, config={"model": "m"})
    assert v.variables == ["secret_kind", "order"]
    sent = Prompt.from_dict(v.to_dict()).openai_kwargs(secret_kind="keys", order="7")["messages"][0]
    assert sent == {"role": "system", "content": "You are an agent. Never share keys."}
    with pytest.raises(InvalidInput, match="agent@v1 is a chat prompt"):
        versions.create_version(engine, pid, "other", "x {{> agent@v1}}")
