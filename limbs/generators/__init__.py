"""The procedural makers the limb packages' actions call (moving into ``limbs/parts/``)."""
