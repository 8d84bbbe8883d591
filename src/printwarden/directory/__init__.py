"""directory context."""
