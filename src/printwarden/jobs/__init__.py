"""jobs context."""
