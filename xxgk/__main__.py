"""`python -m xxgk` is the `xxgk` command."""

from xxgk.pipeline.cli import main

main(prog_name="xxgk")
