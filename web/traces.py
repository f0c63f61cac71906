"""Traces area (placeholder until the spine's console skeleton lands)."""

from flask import Blueprint

bp = Blueprint("traces", __name__)
