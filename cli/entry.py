"""The ``otel-llm`` console script. It imports nothing beyond the standard library before the command
line itself, so a plain ``pip install otel-llm`` (no ``[server]`` extra, hence no click) gets the pip
line to run instead of a traceback."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from otel_llm_server.cli.main import main as command_line
    except ModuleNotFoundError as exc:
        from otel_llm.extras import extra_for

        extra = extra_for(exc.name)
        if extra is None:
            raise
        sys.exit(
            f"otel-llm: the command line needs {exc.name}, not installed here: pip install 'otel-llm[{extra}]'"
        )
    command_line()
