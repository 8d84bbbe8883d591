"""Notifications: what the system tells people outside ``job-state-message``.

Channels: the pop-up's notices (``notices.py``, read by the pop-up channel), e-mail over
SMTP and signed webhooks (an outbox, retried). Producers call in inside their own write
transaction, so a notice exists exactly when the change that caused it does.
"""
