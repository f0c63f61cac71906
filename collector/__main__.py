"""``python -m otel_llm_server.collector``: the same command as ``otel-llm collector``, without loading the rest of the CLI."""

from otel_llm_server.cli.collector import collector

if __name__ == "__main__":
    collector(prog_name="python -m otel_llm_server.collector", auto_envvar_prefix=None)
