"""Page routes, one Chalice blueprint per audience."""
