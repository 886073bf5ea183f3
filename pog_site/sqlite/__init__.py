"""The SQLite database backend of embedded mode (``ENGINE = "pog_site.sqlite"``): see ``base``."""
