"""The web faces of aula-kg: the app factory and its routers (``/sparql`` for now)."""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
