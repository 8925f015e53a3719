"""Skills-repo tooling: validate a skill (in memory: validate.py; a folder: folder.py, which runs
test.sh through test_script.py), staging and promotion.

The rules over a skill's files are rules.py and file_rules.py; the format itself (manifest, path
rules, bundle) lives in domain/skill/.
"""
