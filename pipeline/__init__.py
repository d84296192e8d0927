"""xxgk pipeline: everything with side effects (inputs, batches, files, the CLI)."""
