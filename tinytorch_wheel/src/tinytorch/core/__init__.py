"""The framework: one module per concept, in the order of the course."""
