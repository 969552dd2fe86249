"""Data shipped with the workstation: rule sets, instrument catalogue, demo data, styles.

A package only so that it is installed alongside the code and found with importlib.resources.
"""
