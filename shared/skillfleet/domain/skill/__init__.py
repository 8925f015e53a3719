"""The skill format (docs/skill-format.md), one module per thing it holds:

- manifest.py: SKILL.md's frontmatter read into SkillManifest / ManagedFile, ManifestError;
- paths.py: where a skill may read and write (unsafe_path, is_workflow_path, owned patterns);
- bundle.py: Bundle, the immutable files of a release.

Import from those modules; this package re-exports nothing.
"""
