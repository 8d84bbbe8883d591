"""The ``printwarden`` command: one CLI for every role (``app``), started by ``main``."""

from printwarden.cli.app import app, main

__all__ = ["app", "main"]
