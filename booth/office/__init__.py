"""The permit office desk: applications, checks and issuing, without Qt."""
