"""The Textual app. Importing this package imports Textual; the engine and the CLI never need it."""

from .app import GradsimApp

__all__ = ["GradsimApp"]
