"""The Dagster-free core: listing, selection, fetching, extraction, change detection and index backends.

Nothing under this package imports Dagster, so each piece can be driven from plain unit tests.
"""
