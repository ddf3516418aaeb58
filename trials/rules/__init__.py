"""Pure domain rules: classify records, normalise, places, institutions, areas, buckets, regions, changes."""
