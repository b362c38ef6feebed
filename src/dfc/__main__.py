"""`python -m dfc ...`: the `dfc` command (`dfc daemon start` runs `daemon run` so)."""

from dfc.client import main

if __name__ == "__main__":
    main()
