"""policy context."""
