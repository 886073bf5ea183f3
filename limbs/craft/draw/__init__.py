"""Drawing for the picture makers: a soft-shading pen, point lists, noise and the subjects."""
