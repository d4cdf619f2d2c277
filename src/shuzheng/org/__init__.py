"""Regions (GB/T 2260), departments and their tree."""
