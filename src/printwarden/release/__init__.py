"""release context."""
