"""The registry side: HTTP, retries, the API client, query syntax, typed decoding, file sources.

Also the fake API and the synthetic corpus, which stand in for the registry in tests and offline runs.
"""
