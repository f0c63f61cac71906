"""The wheel an app installs: two packages, and a plain ``pip install otel-llm`` that is enough to store
an instrumented app's calls in SQLite without the console's, the collector's or another SDK's packages.

Builds the wheel from a copy of the source tree, installs it with only ``openai`` beside it into a
fresh virtualenv (from this machine's package indexes; about half a minute), and runs an app there
against the local provider. Deselect with ``-m "not install"``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.install

ROOT = Path(__file__).resolve().parents[1]
NOT_SOURCE = (".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", "*.db", "*.db-*", "instance")
SERVER_ONLY = ("flask", "scipy", "grpcio", "aiohttp", "waitress", "anthropic", "click", "psycopg")

APP = textwrap.dedent(
    """
    import logging, sys

    import openai
    import otel_llm

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    logging.getLogger("otel_llm").addHandler(handler)
    logging.getLogger("otel_llm").setLevel(logging.DEBUG)

    otel_llm.configure()  # OTEL_LLM_DATABASE_URL, read by get_prompt and experiment too
    otel_llm.instrument()
    client = openai.OpenAI(base_url=sys.argv[1] + "/v1", api_key="test-key", max_retries=0)
    with otel_llm.experiment("copy-test", unit_id="user-7", default={"model": "gpt-4o-mini"}) as variant:
        reply = client.chat.completions.create(
            model=variant.config["model"], messages=[{"role": "user", "content": "Where is my order?"}]
        )
    otel_llm.shutdown()
    print(reply.choices[0].message.content)
    """
)


# An app's code as its type checker reads it against the installed wheel: every public name typed
# (py.typed shipped), and the mistakes at the end reported.
TYPED_APP = textwrap.dedent(
    """
    from opentelemetry.sdk.trace import TracerProvider

    import otel_llm

    provider: TracerProvider = otel_llm.configure(database_url="sqlite:///app.db", project="shop")
    provider.add_span_processor(otel_llm.LLMSpanProcessor())
    exporter = otel_llm.SQLSpanExporter(database_url="sqlite:///other.db")
    otel_llm.instrument(capture_content=True)
    with otel_llm.tags(prompt_name="support", prompt_version=3, experiment="bakeoff", variant="b"):
        prompt = otel_llm.get_prompt("support", label="production", fallback="You help.")
        with prompt:
            text: str = prompt.render(customer="Ada")
    with otel_llm.experiment("bakeoff", unit_id="user-7", default={"model": "gpt-4o-mini"}) as variant:
        model: str = variant.config["model"]
    feedback = otel_llm.record_feedback("0123456789abcdef", 1.0, comment="solved it")
    reveal_type(prompt)
    reveal_type(feedback)
    reveal_type(exporter)
    otel_llm.get_prompt("support", version="3")
    otel_llm.tags(variant=2)
    """
)


def _run(*args: str | Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600, **kwargs)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel ``pip wheel`` builds from a clean copy of the source tree (no stale ``build/``)."""
    source = tmp_path_factory.mktemp("source")
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE), dirs_exist_ok=True)
    out = tmp_path_factory.mktemp("wheelhouse")
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, source)
    assert built.returncode == 0, built.stderr
    (path,) = out.glob("otel_llm-*.whl")
    return path


@pytest.fixture(scope="module")
def app_venv(wheel, tmp_path_factory) -> Path:
    """A fresh virtualenv with the wheel and ``openai`` only (installed by this interpreter's pip)."""
    venv = tmp_path_factory.mktemp("app") / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv).check_returncode()
    python = venv / "bin" / "python"
    installed = _run(
        sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-compile", wheel, "openai"
    )
    assert installed.returncode == 0, installed.stderr
    return venv


def _installed(venv: Path) -> set[str]:
    listed = _run(sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "list", "--format=freeze")
    listed.check_returncode()
    return {line.split("==")[0].lower() for line in listed.stdout.split()}


def test_the_wheel_installs_otel_llm_and_otel_llm_server_only(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/")[0] for name in names}
    assert top_level == {"otel_llm", "otel_llm_server", f"{wheel.name.split('-py')[0]}.dist-info"}
    # what the app and the server read at run time is in it: migrations, pricing, templates
    assert "otel_llm_server/migrations/script.py.mako" in names
    assert "otel_llm/pricing/book.json" in names
    assert "otel_llm/py.typed" in names  # type checkers read our annotations (PEP 561)
    assert any(name.startswith("otel_llm_server/web/") and name.endswith(".html") for name in names)


def test_an_app_with_only_openai_beside_it_stores_its_calls_in_a_new_sqlite_file(
    app_venv, mock_llm, tmp_path
):
    assert not set(SERVER_ONLY) & _installed(app_venv)
    (tmp_path / "app.py").write_text(APP)
    url = f"sqlite:///{tmp_path / 'app.db'}"  # a new file: configure() creates the schema

    env = {"PATH": os.environ["PATH"], "OTEL_LLM_DATABASE_URL": url, "OTEL_LLM_PROJECT": "shop"}
    ran = _run(app_venv / "bin" / "python", "app.py", mock_llm.url, cwd=tmp_path, env=env)

    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip()  # the app got its answer
    assert "otel_llm_anthropic not active" in ran.stderr  # anthropic is not installed: skipped ...
    assert "WARNING" not in ran.stderr and "ERROR" not in ran.stderr  # ... silently, nothing spooled
    with create_engine(url).connect() as connection:
        rows = connection.execute(
            text(
                "SELECT projects.name, provider, request_model, status_code = 'ERROR' FROM spans"
                " JOIN projects ON projects.id = spans.project_id WHERE is_llm"
            )
        ).all()
    assert [tuple(row) for row in rows] == [("shop", "openai", "gpt-4o-mini", False)]


def test_the_command_line_without_the_server_extra_says_what_to_install(app_venv):
    ran = _run(app_venv / "bin" / "otel-llm", "traces", "list")
    assert ran.returncode != 0
    assert "pip install 'otel-llm[server]'" in ran.stderr
    assert "Traceback" not in ran.stderr


def test_an_app_type_checks_against_the_installed_package(app_venv, tmp_path):
    (tmp_path / "app.py").write_text(TYPED_APP)
    checked = _run(
        sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--python-executable",
        app_venv / "bin" / "python", "app.py", cwd=tmp_path,
    )  # fmt: skip
    reported = checked.stdout.splitlines()
    revealed = [line.split("Revealed type is ")[1] for line in reported if "Revealed type" in line]
    assert revealed == [
        '"otel_llm.prompts.client.Prompt"',
        '"otel_llm.feedback.Feedback | None"',
        '"otel_llm.exporter.SQLSpanExporter"',
    ], checked.stdout
    errors = [line for line in reported if ": error:" in line]
    assert len(errors) == 2, checked.stdout  # the two mistakes, nothing about the correct lines
    assert 'Argument "version" to "get_prompt" has incompatible type "str"' in errors[0]
    assert 'Argument "variant" to "tags" has incompatible type "int"' in errors[1]
