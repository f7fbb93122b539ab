"""The coremon command line."""
