"""Channel adapters over the one Engine."""
