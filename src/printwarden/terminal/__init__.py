"""The reference terminal: a client of terminal protocol v1 (``docs/protocols/terminal.md``)."""
