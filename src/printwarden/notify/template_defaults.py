"""The e-mail templates a fresh server sends (an admin's edit replaces them), and the
sample data the preview and the check at save render them with.

A template sees ``user`` (``username``, ``full_name``, ``email``), every key of the
event's data at the top level (``title``, ``cost`` ...) and ``data`` itself.
"""

from __future__ import annotations

from typing import Any

DEFAULT_TEMPLATES: dict[str, tuple[str, str]] = {
    "job.denied": (
        "Your print job {{ title }} was not printed",
        "Hello {{ user.full_name or user.username }},\n\n"
        "your job \"{{ title }}\" on {{ queue }} was refused: {{ reason }}\n"
        "{% if cost %}It would have cost {{ cost }}; your balance is {{ balance }}.\n"
        "{% endif %}\n-- printwarden\n"),
    "balance.low": (
        "Your print balance is low ({{ balance }})",
        "Hello {{ user.full_name or user.username }},\n\n"
        "the balance of {{ account }} is {{ balance }}, below {{ threshold }}.\n"
        "Top it up before your next job.\n\n-- printwarden\n"),
    "job.held_expiring": (
        "Your held job {{ title }} expires soon",
        "Hello {{ user.full_name or user.username }},\n\n"
        "your job \"{{ title }}\" is held on {{ queue }} and will be deleted at "
        "{{ expires_at }} unless you release it at a printer.\n\n-- printwarden\n"),
    "job.completed": (
        "Receipt: {{ title }} printed ({{ charged }})",
        "Hello {{ user.full_name or user.username }},\n\n"
        "your job \"{{ title }}\" printed on {{ queue }}: {{ pages }} page(s) x "
        "{{ copies }} cop{{ 'y' if copies == 1 else 'ies' }}, charged {{ charged }}.\n"
        "Job {{ job_id }}.\n\n-- printwarden\n"),
}

SAMPLE_DATA: dict[str, dict[str, Any]] = {
    "job.denied": {"job_id": "01JSAMPLE0000000000000000", "title": "report.pdf",
                   "queue": "colour", "reason": "your balance does not cover the cost",
                   "cost": "EUR 3.00", "balance": "EUR 1.20"},
    "balance.low": {"account": "alice", "balance": "EUR 0.80", "threshold": "EUR 1.00"},
    "job.held_expiring": {"job_id": "01JSAMPLE0000000000000000", "title": "report.pdf",
                          "queue": "follow-me", "expires_at": "2026-01-01 18:00 UTC"},
    "job.completed": {"job_id": "01JSAMPLE0000000000000000", "title": "report.pdf",
                      "queue": "colour", "pages": 12, "copies": 2, "charged": "EUR 2.40"},
}

SAMPLE_USER = {"username": "alice", "full_name": "Alice Example",
               "email": "alice@example.org"}
