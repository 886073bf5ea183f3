"""One package per limb: its LimbSpec in __init__.py, one module per action."""
