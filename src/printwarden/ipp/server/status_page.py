"""The small HTML status page (printer-more-info)."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from printwarden.ipp.server.protocol import PrinterSummary

__all__ = ["render_status_page"]

_STYLE = "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}" \
         "td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}"


def _supplies(printer: PrinterSummary) -> str:
    if not printer.supplies:
        return "<p>Supplies: not reported by the device</p>"
    rows = "".join(f"<li>{escape(description)}: {escape(level)}</li>"
                   for description, level in printer.supplies)
    return f"<p>Supplies:</p><ul>{rows}</ul>"


def _printer_section(printer: PrinterSummary, path: str) -> str:
    """Job names and owners arrive masked for the viewer (see ``Printer.summary``)."""
    rows = "".join(
        f"<tr><td>{job.job_id}</td><td>{escape(job.name)}</td><td>{escape(job.user)}</td>"
        f"<td>{escape(job.state)}</td></tr>" for job in printer.jobs[-50:])
    accepting = "yes" if printer.accepting_jobs else "no"
    message = (f"<p>Message from the operator: {escape(printer.message)}</p>"
               if printer.message else "")
    alerts = "".join(f"<p>Alert: {escape(alert)}</p>" for alert in printer.alerts if alert)
    return (
        f'<section><h2><a href="{escape(path)}">{escape(printer.name)}</a></h2>'
        f"<p>{escape(printer.info)} &mdash; {escape(printer.make_and_model)}</p>"
        f"<p>Location: {escape(printer.location) or '-'}</p>"
        f"<p>State: <strong>{escape(printer.state)}</strong> "
        f"({escape(', '.join(printer.state_reasons))}); accepting jobs: {accepting}</p>"
        f"{message}{alerts}{_supplies(printer)}"
        "<table><tr><th>Job</th><th>Name</th><th>User</th><th>State</th></tr>"
        f"{rows}</table></section>"
    )


def render_status_page(printers: Iterable[tuple[str, PrinterSummary]],
                       title: str = "printwarden IPP") -> bytes:
    """``printers``: (URL path, summary) pairs."""
    sections = "".join(_printer_section(summary, path) for path, summary in printers)
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{sections or '<p>No printers.</p>'}</body></html>"
    ).encode()
