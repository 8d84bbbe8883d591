"""printwarden: open-source print and copy management."""

__version__ = "0.1.0"
