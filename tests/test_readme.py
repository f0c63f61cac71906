"""README.md works as written: its set-up is two commands, and every other code block, run in order in
a fresh folder as a reader runs it right after ``otel-llm demo`` (the demo serving in the background,
the Python snippet saved as ``app.py``), succeeds and does what its comments say.

Lines are run as a shell would: ``export`` sets the environment of the lines after, ``VAR=$(…)`` and
``$VAR`` are expanded, ``otel-llm …`` runs the click command in this process (the same arguments, far
quicker than a new interpreter each), everything else runs in bash. Only what cannot run here as
written is adapted: the ports (8765, 5000 and 5001 may be taken on a shared machine, so the ones the demo
and the test got are substituted), ``. .venv/bin/activate`` (the test's interpreter's folder goes
first on PATH instead), the password typed at the prompt, and the demo runs one round of traffic
instead of six.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from otel_llm_server.cli.main import main
from sqlalchemy import create_engine, text

from otel_llm.storage import db as storage_db

README = Path(__file__).resolve().parents[1] / "README.md"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.M | re.S)
ASSIGNMENT = re.compile(r"^([A-Z_]+)=\$\((.*)\)$")
PROVIDER_PORT, CONSOLE_PORT, WEB_PORT = "8765", "5000", "5001"
PASSWORD = "readme-test-password"
CLEARED = ("OTEL_LLM_DATABASE_URL", "OTEL_LLM_PROJECT", "OTEL_LLM_MOCK_URL", "OTEL_LLM_API_URL")


def readme_blocks() -> list[tuple[str, str]]:
    return FENCE.findall(README.read_text("utf-8"))


def lines_of(body: str) -> list[str]:
    """Shell lines of a block (continuations joined), blank lines dropped."""
    return [line.strip() for line in body.replace("\\\n", " ").splitlines() if line.strip()]


def free_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return str(sock.getsockname()[1])


def test_set_up_is_two_commands_installing_all_then_running_the_suite():
    setup = [lines_of(body) for lang, body in readme_blocks() if lang == "sh" and "pip install" in body]
    assert len(setup) == 1 and len(setup[0]) == 2
    install, suite = setup[0]
    assert "pip install -e '.[all]'" in install and install.split("#")[0].strip().endswith("&& otel-llm demo")
    assert suite.startswith("bash scripts/test.sh")


def test_every_command_named_in_the_prose_exists():
    """Commands quoted inline (`otel-llm replay batch`) answer --help: no renamed command lingers."""
    quoted = set(re.findall(r"`(otel-llm [^`]*)`", README.read_text("utf-8")))
    for command in sorted(quoted):
        words = []
        for word in command.split()[1:]:
            if word.startswith(("-", "$", "&")) or word.isupper():
                break
            words.append(word)
        result = CliRunner().invoke(main, [*words, "--help"])
        assert result.exit_code == 0 and "Example" in result.output, f"{command}: {result.output}"


class Reader:
    """A reader's second shell in the demo's folder: exports and variables stay set for the lines after."""

    def __init__(self, folder: Path):
        self.folder = folder
        bin_dir = str(Path(sys.executable).parent)
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in CLEARED and not k.startswith(("OPENAI_", "ANTHROPIC_"))
        }
        self.env = {**env, "PATH": bin_dir + os.pathsep + env["PATH"], "NO_COLOR": "1"}
        self.ports = {PROVIDER_PORT: PROVIDER_PORT, CONSOLE_PORT: free_port(), WEB_PORT: free_port()}
        self.servers: list[subprocess.Popen] = []
        self.outputs: list[tuple[str, str]] = []

    def adapt(self, line: str) -> str:
        for written, actual in self.ports.items():
            line = re.sub(rf"(?<![0-9]){written}(?![0-9])", actual, line)
        return line

    def run(self, line: str) -> None:
        """One README line, as a shell would run it."""
        line = self.adapt(line)
        command = shlex.split(line, comments=True)
        if not command or command == [".", ".venv/bin/activate"]:
            return  # PATH already starts with the test interpreter's folder
        if command[0] == "export":
            self.env.update(pair.split("=", 1) for pair in command[1:])
        elif (assigned := ASSIGNMENT.match(" ".join(command))) is not None:
            self.env[assigned.group(1)] = self.otel_llm(assigned.group(2)).strip()
        elif command[:2] == ["otel-llm", "demo"]:
            self.demo(line)
        elif command[:2] == ["otel-llm", "web"]:
            self.web(line)
        elif command[0] == "otel-llm":
            self.otel_llm(line)
        else:
            self.bash(line)

    def otel_llm(self, line: str) -> str:
        args = [self.expand(arg) for arg in shlex.split(line, comments=True)]
        asks = " ".join(args[:3]) == "otel-llm users create"  # the password, typed twice
        typed = f"{PASSWORD}\n{PASSWORD}\n" if asks else None
        result = CliRunner().invoke(main, args[1:], input=typed, env=self.env)
        assert result.exit_code == 0, f"README line failed: {line}\n{result.output}"
        self.outputs.append((line, result.output))
        return result.output

    def expand(self, arg: str) -> str:
        return re.sub(r"\$([A-Z_]+)", lambda m: self.env.get(m.group(1), ""), arg)

    def bash(self, line: str) -> str:
        done = subprocess.run(
            ["bash", "-c", line],
            cwd=self.folder,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"README line failed: {line}\n{done.stdout}\n{done.stderr}"
        self.outputs.append((line, done.stdout))
        return done.stdout

    def start(self, line: str, ready: str) -> str:
        """A serving command, in the background; returns its output once ``ready`` shows in it."""
        process = subprocess.Popen(
            ["bash", "-c", "exec " + line],
            cwd=self.folder,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.servers.append(process)
        seen = []
        for output in process.stdout:
            seen.append(output)
            if ready in output:
                threading.Thread(
                    target=process.stdout.read, daemon=True
                ).start()  # never blocks on a full pipe
                return "".join(seen)
        pytest.fail(f"`{line}` stopped before {ready!r}:\n{''.join(seen)}")

    def demo(self, line: str) -> None:
        """``otel-llm demo``: one round of traffic; later lines get the local provider's actual port."""
        output = self.start(line + " --rounds 1", ready="Ctrl-C stops")  # console served
        self.ports[PROVIDER_PORT] = re.search(r"Local LLM provider: http://127.0.0.1:(\d+)", output).group(1)

    def web(self, line: str) -> None:
        self.start(line, ready="")
        url = f"http://127.0.0.1:{self.ports[WEB_PORT]}/sign-in"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    assert response.status == 200
                    return
            except OSError:
                assert time.monotonic() < deadline, f"`{line}` does not answer at {url}"
                time.sleep(0.3)

    def stop(self) -> None:
        for process in self.servers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGINT)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def reader(tmp_path, monkeypatch):
    for name in [*CLEARED, *(n for n in os.environ if n.startswith(("OPENAI_", "ANTHROPIC_")))]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # "from the same folder"
    reader = Reader(tmp_path)
    yield reader
    reader.stop()
    storage_db.dispose_all()


def test_every_readme_block_runs_as_written_after_the_demo(reader):
    for lang, body in readme_blocks():
        if lang == "python":
            (reader.folder / "app.py").write_text(body, "utf-8")  # "saved as app.py"
        elif lang == "sh" and "pip install" in body:  # set-up: the suite is this test's own run
            install = lines_of(body)[0].split("#")[0]
            reader.run(install.rsplit("&&", 1)[1].strip())  # `otel-llm demo`, after the install
        elif lang == "sh":
            for line in lines_of(body):
                reader.run(line)
    check_what_the_comments_say(reader)


def check_what_the_comments_say(reader: Reader) -> None:
    """A few of the README's promises, on the database the lines worked on."""
    engine = create_engine(f"sqlite:///{reader.folder / 'otel_llm.db'}")
    with engine.connect() as conn:
        replayed = (
            conn.execute(
                text(
                    "SELECT s.provider FROM replays r JOIN spans s ON s.span_id = r.replay_span_id "
                    "WHERE r.run_id IS NULL ORDER BY r.id DESC"
                )
            )
            .scalars()
            .first()
        )
        runs = conn.execute(text("SELECT count(*) FROM replay_runs")).scalar_one()
        automated = conn.execute(text("SELECT status FROM experiment_runs ORDER BY id")).scalars().all()
        users = conn.execute(text("SELECT email FROM users ORDER BY email")).scalars().all()
        evaluations = conn.execute(text("SELECT status FROM eval_runs ORDER BY id")).scalars().all()
        resolved = (
            conn.execute(text("SELECT string_value FROM scores WHERE name = 'resolved'")).scalars().all()
        )
    assert replayed == "anthropic"  # `replay $SPAN_ID --model claude-haiku-4-5` went to Anthropic
    assert runs == 2 and automated == ["completed", "completed"]
    assert users == ["demo@otel-llm.local", "you@example.com"]
    assert evaluations == ["completed", "completed"]  # the demo's and `eval run support-faq …`
    assert resolved == ["true"]  # `scores add $SPAN_ID resolved true`
    lines = [line for line, _ in reader.outputs]
    app = lines.index("python app.py")
    answer = reader.outputs[app][1].splitlines()[0]
    assert re.match(r"(a gpt-4o-mini|b claude-haiku-4-5) \S", answer)  # the variant, its model, its answer
    newest = reader.outputs[app + 1][1].splitlines()[1]  # `otel-llm traces list --limit 1`
    assert "support-agent@3" in newest and "model-bakeoff:" in newest  # the app's span, tagged with both
