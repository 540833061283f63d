"""``dca formats``: the registered file formats and what each can do."""

from __future__ import annotations

from ._common import emit


def add_parser(sub) -> None:
    parser = sub.add_parser("formats", help="list the file formats dca reads and writes")
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    parser.set_defaults(run=run)


def run(args) -> int:
    from ..io import formats

    rows = [{"name": f.name, "extensions": list(f.extensions), "read": f.reader is not None,
             "write": f.writer is not None, "description": f.description} for f in formats()]
    table = [(r["name"], f"{'r' if r['read'] else '-'}{'w' if r['write'] else '-'}  "
                         f"{' '.join(r['extensions']):<28} {r['description']}") for r in rows]
    emit({"formats": rows}, as_json=args.json, table=table)
    return 0
