"""``dca run CASE.toml``: a case study's pipeline, its results.json and report.html."""

from __future__ import annotations

import json
import os
import sys

from .._errors import InputError
from ._common import emit


def _positive_int(text: str) -> int:
    import argparse

    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of voxels, 1 or more, got {text!r}")
    return int(text)


def add_parser(sub) -> None:
    parser = sub.add_parser("run", help="run a case study (case.toml): results.json and report.html",
                            description="Run the pipeline a case.toml declares. Stages are cached by the hash of "
                                        "their inputs and parameters: a second run recomputes only what changed.")
    parser.add_argument("case", nargs="?", help="path of the case.toml")
    parser.add_argument("--stages", action="store_true",
                        help="list the stages a case file may declare, with their keys, and exit")
    parser.add_argument("--out", help="output folder (default dca_output/<case name>)")
    parser.add_argument("--size", type=_positive_int, metavar="N",
                        help="crop the input to its first N voxels per axis (a quick run; at most the sample's size)")
    parser.add_argument("--check", action="store_true",
                        help="compare with expected.json beside the case file (exit 1 on a difference)")
    parser.add_argument("--json", action="store_true", help="print results.json on stdout")
    parser.set_defaults(run=run)


def run(args) -> int:
    from ..run import run_case
    from ..run._case import check_expected

    if args.stages:
        from ..run import stage_reference

        print(stage_reference(), end="")
        return 0
    if not args.case:
        raise InputError("give the path of a case.toml (for example case_studies/battery_electrode/case.toml), "
                         "or --stages for the stages a case file may declare")
    expected = None
    if args.check:
        path = os.path.join(os.path.dirname(os.path.abspath(args.case)), "expected.json")
        with open(path) as fh:
            expected = json.load(fh)
        if args.size is None and expected.get("size"):
            args.size = int(expected["size"])
    log = (lambda *a: print(*a, file=sys.stderr)) if args.json else print  # noqa: E731
    result = run_case(args.case, args.out, size=args.size, progress=not args.json, log=log)
    if args.json:
        emit(result.results, as_json=True)
    else:
        print(f"report   {result.report}")
        print(f"results  {os.path.join(result.out_dir, 'results.json')}")
    if expected is not None:
        problems = check_expected(result.results, expected)
        for p in problems:
            print(f"differs: {p}", file=sys.stderr)
        total = sum(len(v) for v in expected["results"].values())
        verdict = f"all {total} numbers agree" if not problems else f"{len(problems)} of {total} differ"
        print(f"expected.json: {verdict}", file=sys.stderr)
        return 1 if problems else 0
    return 0
