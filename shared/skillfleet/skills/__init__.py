"""Skills-repo tooling: validate a skill (folder or in-memory tree), staging and promotion.

Filesystem and process work lives here; the pure rules of the format live in domain/skill.py.
"""
