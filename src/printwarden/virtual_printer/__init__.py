"""The virtual printer role: an IPP Everywhere printer that keeps every document it gets.

    printwarden virtual-printer --dir ./pages --port 8633
"""

from printwarden.virtual_printer.directory_sink import DirectorySink
from printwarden.virtual_printer.printer import build_virtual_printer, run_virtual_printer

__all__ = ["DirectorySink", "build_virtual_printer", "run_virtual_printer"]
