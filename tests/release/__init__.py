"""Tests of the release context."""
