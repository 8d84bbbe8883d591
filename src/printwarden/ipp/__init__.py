"""ipp context."""
