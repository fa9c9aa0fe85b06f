"""The report: tables, the findings computed from them, the architecture tables
and the HTML page."""
