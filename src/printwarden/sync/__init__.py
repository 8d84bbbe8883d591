"""Replication from central to site remotes: the declared tables, central's change feed and
snapshot, remote enrolment, and the replica a remote keeps (``docs/protocols/replication.md``)."""
