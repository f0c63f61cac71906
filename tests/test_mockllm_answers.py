"""The local provider answers in sentences that fit the question, the same way on every API it serves."""

from __future__ import annotations

import anthropic
import openai
import pytest

from otel_llm.replay.diff import similarity

SUPPORT = "You are a support agent for Acme."
PASSWORD = "How do I reset my password?"


@pytest.fixture
def oa(mock_llm):
    return openai.OpenAI(base_url=mock_llm.url + "/v1", api_key="test-key", max_retries=0)


@pytest.fixture
def an(mock_llm):
    return anthropic.Anthropic(base_url=mock_llm.url, api_key="test-key", max_retries=0)


def _chat(oa, question: str, model: str = "gpt-4o-mini", system: str = SUPPORT) -> str:
    messages = [{"role": "system", "content": system}, {"role": "user", "content": question}]
    return oa.chat.completions.create(model=model, messages=messages).choices[0].message.content


def _claude(an, question: str, model: str = "claude-haiku-4-5", system: str = SUPPORT) -> str:
    message = an.messages.create(
        model=model, system=system, max_tokens=300, messages=[{"role": "user", "content": question}]
    )
    return message.content[0].text


def test_the_answer_is_about_what_was_asked(oa, an):
    assert "Forgot password" in _chat(oa, PASSWORD)
    assert "Canada" in _chat(oa, "Do you ship to Canada?")
    assert "30 days" in _claude(an, "What is your refund policy?")
    assert "#1042" in _claude(an, "Where is my order #1042?")
    response = oa.responses.create(
        model="gpt-4o-mini", instructions=SUPPORT, input="Is there a student discount?"
    )
    assert "20 percent" in response.output_text


def test_answers_are_whole_sentences(oa, an):
    for text in (_chat(oa, PASSWORD), _claude(an, PASSWORD), _chat(oa, "Explain quantum physics")):
        assert text[0].isupper() and text.endswith((".", "!", "?")), text
        assert "  " not in text


def test_another_model_words_the_same_facts_differently(oa, an):
    mini, four = _chat(oa, PASSWORD), _chat(oa, PASSWORD, model="gpt-4.1")
    claude = _claude(an, PASSWORD)
    assert len({mini, four, claude}) == 3
    # Same topic, so a replay's similarity shows a rewording rather than two unrelated texts.
    assert similarity(mini, claude) > 0.5
    assert similarity(mini, _chat(oa, "Can I talk to a human?")) < 0.3


def test_the_system_prompt_shapes_the_answer(oa):
    plain = _chat(oa, PASSWORD)
    brief = _chat(oa, PASSWORD, system="Answer briefly.")
    next_step = _chat(oa, PASSWORD, system="Answer, then offer one next step.")
    assert len(brief.split()) < len(plain.split())
    assert "spam folder" in next_step or "new link" in next_step
    assert "spam folder" not in plain and "new link" not in plain


def test_same_request_same_answer(oa, an):
    assert _chat(oa, PASSWORD) == _chat(oa, PASSWORD)
    assert _claude(an, PASSWORD) == _claude(an, PASSWORD)
