"""Trade Desk served to other clients: an HTTP API (``http``) and an MCP server (``mcp``).

``convert`` holds the conversions both share, ``service`` the operations, ``guard`` the
API keys, body limit and bounded answer pool. Nothing here is imported by the rest of
``assistant``: the servers sit beside the CLI and the app, on top of the facade.
"""
