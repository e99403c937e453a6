"""Pure arithmetic on periods and counts: no I/O, no formatting."""
