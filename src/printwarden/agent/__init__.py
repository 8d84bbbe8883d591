"""agent context."""
