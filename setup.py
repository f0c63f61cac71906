"""Package layout: the repository's server folders install under one namespace.

``otel_llm/`` is the in-app package. ``web/``, ``cli/``, ``collector/``, ``mcp_server/`` and ``migrations/`` keep their
top-level folders in the repository but install as ``otel_llm_server.web`` and so on, so the wheel adds
no generic top-level names (``web``, ``cli``) that would collide with an app's own packages. ``tests/``
is not installed. Everything else is in ``pyproject.toml``.
"""

from setuptools import find_packages, setup

NAMESPACE = "otel_llm_server"
SERVER_FOLDERS = ("web", "cli", "collector", "migrations", "mcp_server")

packages = find_packages(include=["otel_llm", "otel_llm.*"])
package_dir = {}
for folder in SERVER_FOLDERS:
    package_dir[f"{NAMESPACE}.{folder}"] = folder
    packages += [f"{NAMESPACE}.{name}" for name in find_packages(include=[folder, f"{folder}.*"])]

setup(packages=[NAMESPACE, *packages], package_dir={NAMESPACE: "otel_llm_server", **package_dir})
