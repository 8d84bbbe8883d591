"""Database: metadata, the Database handle (transactions with retry), migrations."""
