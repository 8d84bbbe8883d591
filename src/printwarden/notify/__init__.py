"""notify context."""
