"""The central server role: its composition root and runner."""
