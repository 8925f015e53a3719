"""The local dev stack: the Pub/Sub emulator, the GitHub emulator, the registry and every function as processes."""
