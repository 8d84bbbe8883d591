"""The desktop pop-up client: cost confirmation, account choice, suggestions, notices."""
