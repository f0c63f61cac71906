"""`otel-llm demo` end to end, as a newcomer runs it (in a subprocess, on a fresh SQLite file)."""

import subprocess
import sys

from sqlalchemy import create_engine, text


def test_demo_records_tagged_calls_and_creates_the_demo_admin(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "otel_llm_server.cli",
            "--database-url",
            url,
            "demo",
            "--no-serve",
            "--rounds",
            "1",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    assert "Sample app made 12 LLM calls (1 failed on purpose)" in result.stdout

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT provider, prompt_name, prompt_version, experiment, variant, status_code FROM spans WHERE is_llm"
            )
        ).all()
        users = conn.execute(text("SELECT email FROM users")).scalars().all()
    assert len(rows) == 12
    assert {r.provider for r in rows} == {"openai", "anthropic"}
    assert {r.prompt_version for r in rows} == {"1", "2"}
    assert {r.variant for r in rows if r.experiment == "model-bakeoff"} == {"a", "b"}
    assert sum(r.status_code == "ERROR" for r in rows) == 1
    assert users == ["demo@otel-llm.local"]
