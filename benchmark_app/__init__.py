"""Streamlit dashboard; see issue 4."""
