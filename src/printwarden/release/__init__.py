"""release context: secure release (Print2me) of held jobs at a device of the queue's
release group, their expiry, and (later parts) terminals, copy sessions and SNMP."""
