"""Reading message fields of any shape an app may pass: dicts, SDK models, other objects."""

from types import SimpleNamespace

from openai.types.chat import ChatCompletionMessage

from otel_llm.instrumentation.openai.chat import ChatHandler, input_parts


def test_messages_as_dicts_sdk_models_and_plain_objects_give_the_same_content():
    as_dict = {"role": "assistant", "content": "Five days."}
    as_model = ChatCompletionMessage(role="assistant", content="Five days.")
    as_object = SimpleNamespace(role="assistant", content="Five days.")
    expected = [{"type": "text", "content": "Five days."}]
    for message in (as_dict, as_model, as_object):
        assert input_parts(message) == expected
        kwargs = {"messages": [{"role": "system", "content": "Be brief."}, message]}
        content = ChatHandler().request_content(kwargs)
        assert content["gen_ai.input.messages"][1] == {"role": "assistant", "parts": expected}
        assert ChatHandler().system_text(kwargs) == "Be brief."
