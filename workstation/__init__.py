"""The risk workstation: a PySide6 + pyqtgraph desktop front end over ``engine`` (and the ``riskws`` CLI).

Importing this package does not import Qt; ``workstation.app.main`` does, lazily.
"""
