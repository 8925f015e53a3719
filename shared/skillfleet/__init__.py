"""skillfleet: roll out versioned Skills to service repositories, GitOps style."""
__version__ = "0.1.0"
