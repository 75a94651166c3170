"""The smallest typer app, one command with one option: typer's own start-up.

bench/run.py times ``--help`` (typer renders it with rich) and a plain run
(no rich), beside ``python -c pass``, so that reconcile's start-up can be read
against typer's floor: ``reconcile audit --help`` against this ``--help``.
"""

import typer

app = typer.Typer()


@app.command()
def hello(name: str = typer.Option("world", help="who to greet")) -> None:
    """Say hello."""
    print(f"hello {name}")


if __name__ == "__main__":
    app()
