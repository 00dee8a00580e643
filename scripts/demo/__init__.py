"""The demo converter's parts: one module per flattened table of the source, and the
parse report. ``scripts/build_demo.py`` puts them together."""
