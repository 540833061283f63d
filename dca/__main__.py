"""``python -m dca``: the same as the ``dca`` command."""

from .cli import console

if __name__ == "__main__":
    console()
