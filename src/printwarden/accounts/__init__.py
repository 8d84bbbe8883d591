"""accounts context: users, groups, cards, print codes (PINs), passwords, roles, API tokens.

``AccountsService`` (service.py) is the entry point; ``model.py`` holds the pure
dataclasses and rules; ``tables.py``/``store.py`` map them onto the database.
"""
