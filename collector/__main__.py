"""``python -m collector``: the same command as ``otel-llm collector``, without loading the rest of the CLI."""

from cli.collector import collector

if __name__ == "__main__":
    collector(prog_name="python -m collector", auto_envvar_prefix=None)
