"""`make bench`: every benchmark of bench/ in production mode, one table at the end."""
from bench import common, formation, load


def main() -> None:
    rows = []
    rows += load.figures(load.main(["--sizes", "10000,100000"]))
    rows += formation.main([])
    print()
    print(common.table(rows))


if __name__ == "__main__":
    main()
