"""Parts of the demo converter (scripts/build_demo.py), one module per concern."""
