"""Products: what a board asks for, computed from data into plain report models.

A product does no I/O and knows nothing of HTML or PDF; renderers in
:mod:`cspkit.render` turn its report model into files.
"""
