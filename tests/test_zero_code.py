"""``opentelemetry-instrument python app.py`` stores an unmodified app's LLM calls (subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import sqlalchemy as sa

from otel_llm import attributes as attrs
from otel_llm.storage import db as storage_db
from otel_llm.storage.schema import spans

APP = textwrap.dedent(
    """
    import anthropic, openai
    from otel_llm import tags  # only to tag; no configure(), no instrument()

    oai = openai.OpenAI(max_retries=0)
    messages = [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "Refund time?"}]
    oai.chat.completions.create(model="gpt-4o-mini", messages=messages)
    with tags(prompt_name="zero-code", prompt_version=1):
        for _ in oai.chat.completions.create(model="gpt-4o-mini", messages=messages, stream=True):
            pass
    claude = anthropic.Anthropic(max_retries=0)
    claude.messages.create(model="claude-haiku-4-5", max_tokens=30, messages=messages[1:])
    print("app done")
    """
)


def test_opentelemetry_instrument_stores_unmodified_app_calls(db_url, mock_llm, tmp_path):
    app = tmp_path / "app.py"
    app.write_text(APP)
    env = {
        **os.environ,
        "OTEL_LLM_DATABASE_URL": db_url,
        "OTEL_LLM_PROJECT": "zero",
        "OTEL_LLM_SPOOL_DIR": str(tmp_path / "spool"),
        "OPENAI_API_KEY": "sk-zero-secret",
        "OPENAI_BASE_URL": mock_llm.url + "/v1",
        "ANTHROPIC_API_KEY": "sk-ant-zero",
        "ANTHROPIC_BASE_URL": mock_llm.url,
    }
    instrument = Path(sys.executable).parent / "opentelemetry-instrument"
    done = subprocess.run(
        [str(instrument), sys.executable, str(app)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "app done" in done.stdout

    storage_db.dispose_all()
    with storage_db.get_engine(db_url).connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.select(spans).order_by(spans.c.start_time))]
    # One row per call: the spans of the other instrumentations installed here (official GenAI,
    # OpenLLMetry, OpenInference; some wrap the SDK before ours, some after) and the Anthropic SDK's
    # own spans are marked duplicates of ours and not stored.
    assert [(r["provider"], r["scope_name"]) for r in rows] == [
        ("openai", attrs.OUR_SCOPE),
        ("openai", attrs.OUR_SCOPE),
        ("anthropic", attrs.OUR_SCOPE),
    ]
    assert (
        rows[1]["prompt_name"] == "zero-code"
        and json.loads(rows[1]["attributes"][attrs.REQUEST])["stream"] is True
    )
    assert rows[0]["prompt_name"] is None and rows[0]["output_tokens"] > 0
    assert all("sk-zero-secret" not in str(r["attributes"]) for r in rows)
