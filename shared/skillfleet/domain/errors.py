"""The few named errors of skillfleet, each mapped to one outcome in runtime.delivery.

PermanentError: the input can never succeed (bad tag, unknown skill, invalid manifest, a 422
that will repeat). It is recorded with its reason and the message is acked.
Anything else raised by a handler is transient: the platform retries it with backoff and, after
the configured attempts, parks it on the dead-letter topic with its payload intact.
"""
from __future__ import annotations


class SkillfleetError(Exception):
    """Base of every error skillfleet raises on purpose."""


class PermanentError(SkillfleetError):
    """Retrying will not help. The message says what was wrong and what to do."""


class UserError(PermanentError):
    """A mistake in what a person asked for (CLI input, a file they wrote)."""


class TransientError(SkillfleetError):
    """Retry later: a dependency is busy, rate-limited or the work is leased elsewhere."""


class BlobIntegrityError(PermanentError):
    """A stored blob does not match its recorded sha256, or a write-once key was rewritten."""


class SignatureError(PermanentError):
    """A signature or token did not verify."""
