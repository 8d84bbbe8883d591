"""reports context."""
