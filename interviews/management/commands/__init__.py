"""Management commands of the interviews app."""
