"""Utilities around the framework: datasets and data loading."""
