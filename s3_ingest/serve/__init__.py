"""Serving the index: the HTTP search API and the MCP server, with tokens and ACLs (issue 24)."""
