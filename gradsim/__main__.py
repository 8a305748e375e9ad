"""python -m gradsim: the same as the gradsim command."""

from gradsim.cli import main

if __name__ == "__main__":
    main()
