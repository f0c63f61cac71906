"""The local provider as a server: request capture, the /_mock API, latency, lifecycle, CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import anthropic
import httpx
import openai
from click.testing import CliRunner
from otel_llm_server.cli.main import main

from otel_llm.mockllm import MockLLMServer

HELLO = [{"role": "user", "content": "Hello there."}]


def test_requests_keep_the_exact_bytes_the_sdk_sent(mock_llm):
    client = openai.OpenAI(base_url=mock_llm.url + "/v1", api_key="sk-test", max_retries=0)
    response = client.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=HELLO, temperature=0.5, extra_body={"custom": "é"}
    )
    sent = response.http_request.content
    [received] = mock_llm.requests
    assert received.method == "POST" and received.path == "/v1/chat/completions"
    assert received.body == sent
    assert received.json == {"model": "gpt-4o-mini", "messages": HELLO, "temperature": 0.5, "custom": "é"}
    assert received.headers["authorization"] == "Bearer sk-test"
    assert received.headers["content-type"] == "application/json"


def test_requests_are_recorded_in_order_and_cleared(mock_llm):
    openai_client = openai.OpenAI(base_url=mock_llm.url + "/v1", api_key="k", max_retries=0)
    anthropic_client = anthropic.Anthropic(base_url=mock_llm.url, api_key="k", max_retries=0)
    openai_client.chat.completions.create(model="gpt-4o-mini", messages=HELLO)
    anthropic_client.messages.create(model="claude-haiku-4-5", max_tokens=20, messages=HELLO)
    openai_client.responses.create(model="gpt-4o-mini", input="hi")
    assert [r.path for r in mock_llm.requests] == ["/v1/chat/completions", "/v1/messages", "/v1/responses"]
    mock_llm.clear()
    assert mock_llm.requests == []


def test_mock_requests_endpoint_lists_and_clears(mock_llm):
    client = anthropic.Anthropic(base_url=mock_llm.url, api_key="k", max_retries=0)
    client.messages.create(model="claude-haiku-4-5", max_tokens=20, messages=HELLO)
    listed = httpx.get(mock_llm.url + "/_mock/requests").json()
    assert len(listed) == 1
    assert json.loads(listed[0]["body"]) == listed[0]["json"]
    assert listed[0]["json"]["messages"] == HELLO
    assert httpx.delete(mock_llm.url + "/_mock/requests").status_code == 200
    assert httpx.get(mock_llm.url + "/_mock/requests").json() == []
    assert mock_llm.requests == []


def test_requests_with_errors_are_recorded_too(mock_llm):
    response = httpx.post(mock_llm.url + "/v1/messages", content=b"{not json", headers={"x-api-key": "k"})
    assert response.status_code == 400
    assert response.json()["type"] == "error"
    [received] = mock_llm.requests
    assert received.body == b"{not json" and received.json is None


def test_latency_from_constructor_header_and_token():
    with MockLLMServer(latency_ms=150) as server:
        client = openai.OpenAI(base_url=server.url + "/v1", api_key="k", max_retries=0)
        assert _seconds(client) >= 0.15
        assert _seconds(client, extra_headers={"x-mock-latency-ms": "0"}) < 0.15
        slow = [{"role": "user", "content": "Hi [[mock:latency=0]]"}]
        assert _seconds(client, messages=slow) < 0.15


def test_streamed_chunks_are_spaced_when_latency_is_set(mock_llm):
    client = openai.OpenAI(base_url=mock_llm.url + "/v1", api_key="k", max_retries=0)
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=HELLO, stream=True, extra_headers={"x-mock-latency-ms": "500"}
    )
    arrivals = [time.perf_counter() for _ in stream]
    assert arrivals[-1] - arrivals[0] >= len(arrivals) * 0.5 / 50 * 0.8


def _seconds(client, **kwargs) -> float:
    start = time.perf_counter()
    client.chat.completions.create(**{"model": "gpt-4o-mini", "messages": HELLO, **kwargs})
    return time.perf_counter() - start


def test_bad_latency_header_is_a_400(mock_llm):
    client = openai.OpenAI(base_url=mock_llm.url + "/v1", api_key="k", max_retries=0)
    try:
        client.chat.completions.create(
            model="gpt-4o-mini", messages=HELLO, extra_headers={"x-mock-latency-ms": "soon"}
        )
    except openai.BadRequestError as error:
        assert "x-mock-latency-ms" in error.message
    else:
        raise AssertionError("expected BadRequestError")


def test_keep_alive_serves_several_requests_on_one_socket(mock_llm):
    import socket

    body = json.dumps({"model": "gpt-4o-mini", "messages": HELLO}).encode()
    request = (
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    with socket.create_connection(("127.0.0.1", mock_llm.port), timeout=5) as sock:
        reader = sock.makefile("rb")
        for _ in range(3):
            sock.sendall(request)
            status = reader.readline()
            headers = {}
            while (line := reader.readline()) != b"\r\n":
                name, value = line.decode().split(":", 1)
                headers[name.lower()] = value.strip()
            payload = reader.read(int(headers["content-length"]))
            assert status.startswith(b"HTTP/1.1 200") and json.loads(payload)["object"] == "chat.completion"
    assert len(mock_llm.requests) == 3


def test_stop_frees_the_port_and_context_manager_restarts():
    server = MockLLMServer().start()
    port = server.port
    assert httpx.get(server.url + "/_mock/requests").status_code == 200
    server.stop()
    try:
        httpx.get(f"http://127.0.0.1:{port}/_mock/requests", timeout=1)
    except httpx.ConnectError:
        pass
    else:
        raise AssertionError("server still answering after stop()")
    with MockLLMServer(port=port) as again:
        assert again.port == port


def test_import_otel_llm_does_not_import_the_mock():
    code = "import sys, otel_llm; print('otel_llm.mockllm' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_cli_help_shows_example_and_options():
    result = CliRunner().invoke(main, ["mock-llm", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "--latency-ms" in result.output
    assert "OPENAI_BASE_URL" in result.output and "OTEL_LLM_MOCK_URL" in result.output


def test_cli_serves_until_interrupted():
    server_port = _free_port()
    process = subprocess.Popen(
        # the command itself (registration in ``otel-llm`` is covered by the --help test): a faster start
        [sys.executable, "-c", "from cli.mockllm import mock_llm; mock_llm()", "--port", str(server_port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        banner = process.stdout.readline()
        assert f"http://127.0.0.1:{server_port}" in banner
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{server_port}/v1", api_key="k", max_retries=0)
        assert client.chat.completions.create(model="gpt-4o-mini", messages=HELLO).choices[0].message.content
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_cli_port_in_use_is_a_clear_error(mock_llm):
    result = CliRunner().invoke(main, ["mock-llm", "--port", str(mock_llm.port)])
    assert result.exit_code != 0
    assert "choose another --port" in result.output


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_delete_state_forgets_cached_prompts(mock_llm):
    client = anthropic.Anthropic(base_url=mock_llm.url, api_key="k", max_retries=0)
    system = [{"type": "text", "text": "Cached instructions. " * 50, "cache_control": {"type": "ephemeral"}}]

    def write_tokens() -> int:
        usage = client.messages.create(
            model="claude-haiku-4-5", max_tokens=20, system=system, messages=HELLO
        ).usage
        return usage.cache_creation_input_tokens

    assert write_tokens() > 0 and write_tokens() == 0
    assert httpx.delete(mock_llm.url + "/_mock/state").status_code == 200
    assert write_tokens() > 0 and mock_llm.requests[-1].path == "/v1/messages"


ODD_BODIES = [
    ("/v1/chat/completions", {"model": "m", "messages": "hello"}),
    ("/v1/chat/completions", {"model": "m", "messages": [None]}),
    ("/v1/chat/completions", {"model": "m", "messages": [{"role": "user", "content": 5}]}),
    (
        "/v1/chat/completions",
        {"model": "m", "messages": [{"role": "user", "content": [{"type": "image_url"}]}]},
    ),
    ("/v1/chat/completions", {"model": "m", "messages": HELLO, "tools": [{"type": "function"}]}),
    ("/v1/chat/completions", {"model": "m", "messages": HELLO, "tools": "x"}),
    ("/v1/chat/completions", {"model": "m", "messages": HELLO, "stop": 7, "n": 2}),
    ("/v1/messages", {"model": "m", "max_tokens": 9, "messages": HELLO, "system": {"a": 1}}),
    ("/v1/messages", {"model": "m", "max_tokens": 9, "messages": HELLO, "tools": [{"input_schema": {}}]}),
    ("/v1/messages", {"model": "m", "max_tokens": 9, "messages": [{"role": "user", "content": [1, None]}]}),
    ("/v1/messages", {"model": "m", "max_tokens": 9, "messages": [{"role": "user"}]}),
    ("/v1/messages", {"model": "m", "max_tokens": 9, "messages": HELLO, "stop_sequences": "x"}),
    ("/v1/responses", {"model": "m", "input": [None, 3]}),
    ("/v1/responses", {"model": "m", "input": "x", "tools": [{"type": "function"}]}),
    ("/v1/responses", {"model": "m", "input": "x", "text": {"format": {"type": "json_schema"}}}),
]


def test_odd_bodies_get_an_answer_or_a_400_never_a_crash(mock_llm):
    headers = {"authorization": "Bearer k", "anthropic-version": "2023-06-01"}
    with httpx.Client(headers=headers) as http:
        for path, body in ODD_BODIES:
            response = http.post(mock_llm.url + path, json=body)
            assert response.status_code in (200, 400), (path, body, response.text)


def test_answers_are_the_same_in_another_process_and_another_server(mock_llm):
    """Replay and experiment runs often talk to a provider started later, in another process."""
    code = (
        "import openai; from otel_llm.mockllm import MockLLMServer\n"
        "with MockLLMServer() as s:\n"
        "    c = openai.OpenAI(base_url=s.url + '/v1', api_key='k')\n"
        "    print(c.chat.completions.create(model='gpt-4o-mini', messages=[{'role': 'user', 'content': 'Hello there.'}]).choices[0].message.content)\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    client = openai.OpenAI(base_url=mock_llm.url + "/v1", api_key="k", max_retries=0)
    here = client.chat.completions.create(model="gpt-4o-mini", messages=HELLO).choices[0].message.content
    assert other.stdout.strip() == here
