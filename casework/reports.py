"""The supervisors' figures, hot topics and scores (queries and any tables they need)."""
