"""python -m tools COMMAND [assignment ...]  (normally run through course.py)."""
import argparse
import sys

from . import ROOT, assignments, build


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="course.py", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in [("release", "regenerate release/ from source/"),
                       ("solutions", "regenerate solutions/ (executed instructor notebooks)"),
                       ("lectures", "re-execute the lecture notebooks in notebooks/")]:
        p = sub.add_parser(name, help=text)
        p.add_argument("assignment", nargs="*", help="e.g. 01_self_attention (default: all)")
    from . import grade
    grade.add_arguments(sub.add_parser("grade", help="grade every submission"))
    from . import bench
    bench.add_arguments(sub.add_parser("bench", help="grading benchmark"))
    args = parser.parse_args(argv)

    if args.command in ("release", "solutions"):
        names = args.assignment or assignments()
        unknown = sorted(set(names) - set(assignments()))
        if unknown:
            parser.error(f"no such assignment in source/: {', '.join(unknown)}")
        for path in getattr(build, args.command)(ROOT, names):
            print(f"wrote {path.relative_to(ROOT)}")
        return 0
    if args.command == "lectures":
        for path in build.lectures(ROOT, args.assignment):
            print(f"executed {path.relative_to(ROOT)}")
        return 0
    if args.command == "grade":
        return grade.main(args)
    return bench.main(args)


if __name__ == "__main__":
    sys.exit(main())
