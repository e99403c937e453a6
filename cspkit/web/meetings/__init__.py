"""Board meetings: agenda items, the forward plan, and each meeting's pack."""
