#!/usr/bin/env python3
"""Mutation testing of the modules that guard the account, with mutmut (settings in setup.cfg).

    python3 scripts/dev.py mutate --continue             check every mutant that has no result yet
    python3 scripts/dev.py mutate --shard 2/4 --continue   the same for the second of four stable parts
    python3 scripts/dev.py mutate --module twofactor/ratelimit.py --continue   one module
    python3 scripts/dev.py mutate --module twofactor/ratelimit.py   check every mutant of a module again
    python3 scripts/dev.py mutate --survivors            check the survivors not explained yet again (new tests)
    python3 scripts/dev.py mutate "twofactor.ratelimit.x_peek*"     re-run some mutants (mutmut's names or globs)
    python3 scripts/dev.py mutate --report               the table and the survivors, without running
    python3 scripts/dev.py mutate --report --markdown    only the table, as docs/testing.md shows it

Results are kept per module in scripts/mutation-results/<module>.tsv (commit them: the next session, on
another machine, goes on from there). A result counts only while its function's source is unchanged:
mutmut hashes every function, and a changed function's mutants are checked again. A run writes the
files as it goes (every minute), so an interrupted run loses at most a minute of work.

mutmut writes a mutated copy of the project to mutants/, runs the fast tests once to learn which
tests call which function, then forks one test run per mutant (--max-children at a time, 1 by default)
with only the tests that called the mutated function. A mutant that no test fails on "survived".
Survivors that no test can tell apart from the real code are listed, with the reason, in
scripts/mutation-explained.txt. Runs in this project's .venv (dev.py installs requirements-mutation.txt).
On a shared machine, run it under `nice -n 19`.
"""

import argparse
import configparser
import contextlib
import fnmatch
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXPLAINED = ROOT / "scripts" / "mutation-explained.txt"
RESULTS = ROOT / "scripts" / "mutation-results"
MUTANTS = ROOT / "mutants"

KILLED = {1, 3, 24, -24, 36, 152, 255}  # a failing test, pytest's internal error, or a timeout (an endless loop)
NO_TESTS = {5, 33}  # no test calls the mutated function
SURVIVED = 0
FINAL = KILLED | NO_TESTS | {SURVIVED}  # anything else (not checked, interrupted) is checked again by --continue
STATUS = {None: "not checked", 0: "survived", 5: "no tests", 33: "no tests", 36: "timeout", 2: "interrupted"}
SAVE_EVERY_SECONDS = 60


@dataclass(frozen=True)
class Result:
    name: str
    exit_code: int | None
    function_hash: str
    change: str = ""  # "original line => mutated line", kept for the mutants no test killed

    @property
    def status(self) -> str:
        if self.exit_code in KILLED and self.exit_code not in STATUS:
            return "killed"
        return STATUS.get(self.exit_code, f"exit {self.exit_code}")

    @property
    def mutated_line(self) -> str:
        return self.change.partition(" => ")[2]


# The modules and their results -------------------------------------------------------------------------


def modules() -> list[str]:
    """The modules setup.cfg names for mutation, as paths (twofactor/ratelimit.py)."""
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    return [line.strip() for line in parser.get("mutmut", "only_mutate").splitlines() if line.strip()]


def dotted(module: str) -> str:
    return module.removesuffix(".py").replace("/", ".")


def results_file(module: str) -> Path:
    return RESULTS / f"{dotted(module)}.tsv"


def function_key(name: str) -> str:
    """twofactor.ratelimit.xǁCacheStoreǁreset__mutmut_4 -> xǁCacheStoreǁreset (mutmut's key of its hash)."""
    return name.partition("__mutmut_")[0].rpartition(".")[2]


def function_of(name: str) -> str:
    """twofactor.ratelimit.xǁCacheStoreǁreset__mutmut_4 -> twofactor.ratelimit.CacheStore.reset"""
    module, _dot, mangled = name.partition("__mutmut_")[0].rpartition(".")
    return f"{module}.{mangled.removeprefix('x_').removeprefix('xǁ').replace('ǁ', '.')}"


def _number(name: str) -> tuple[str, int]:
    base, _sep, number = name.rpartition("__mutmut_")
    return base, int(number) if number.isdigit() else 0


def read_results(module: str) -> dict[str, Result]:
    path = results_file(module)
    if not path.exists():
        return {}
    results = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#"):
            name, _status, exit_code, function_hash, *change = line.split("\t")
            code = None if exit_code == "-" else int(exit_code)
            results[name] = Result(name, code, function_hash, change[0] if change else "")
    return results


def write_results(module: str, results: dict[str, Result]) -> None:
    RESULTS.mkdir(exist_ok=True)
    lines = [
        f"# mutmut results of {module}: mutant, status, exit code, hash of the function's source, "
        "and for each mutant no test killed: original line => mutated line"
    ]
    for name in sorted(results, key=_number):
        result = results[name]
        code = "-" if result.exit_code is None else str(result.exit_code)
        fields = [name, result.status, code, result.function_hash] + ([result.change] if result.change else [])
        lines.append("\t".join(fields))
    text = "\n".join(lines) + "\n"
    path = results_file(module)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def in_shard(name: str, shard: tuple[int, int] | None) -> bool:
    """A stable split: a mutant's part depends only on its name (its function and its number)."""
    if shard is None:
        return True
    part, parts = shard
    return int(hashlib.sha256(name.encode()).hexdigest()[:12], 16) % parts == part - 1


def parse_shard(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)/(\d+)", text)
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise argparse.ArgumentTypeError("a shard is K/N with 1 <= K <= N, e.g. 2/4")
    return int(match[1]), int(match[2])


# mutmut's files under mutants/ ---------------------------------------------------------------------------


def _meta_path(module: str) -> Path:
    return MUTANTS / f"{module}.meta"


def _load_meta(module: str) -> dict | None:
    path = _meta_path(module)
    return json.loads(path.read_text()) if path.exists() else None


def restore_results(chosen: list[str]) -> None:
    """Hand the kept results to mutmut before it generates the mutants: mutmut keeps a result while the
    hash of its function's source is unchanged, and checks the mutants of a changed function again."""
    for module in chosen:
        kept = read_results(module)
        if not kept:
            continue
        meta = _load_meta(module)
        if meta is None:
            (MUTANTS / module).parent.mkdir(parents=True, exist_ok=True)
            meta = {
                "exit_code_by_key": {name: result.exit_code for name, result in kept.items()},
                "hash_by_function_name": {function_key(name): result.function_hash for name, result in kept.items()},
                "type_check_error_by_key": {},
                "durations_by_key": {},
                "estimated_durations_by_key": {},
            }
        else:
            hashes = meta["hash_by_function_name"]
            for name, result in kept.items():
                if (
                    name in meta["exit_code_by_key"]
                    and meta["exit_code_by_key"][name] is None
                    and hashes.get(function_key(name)) == result.function_hash
                ):
                    meta["exit_code_by_key"][name] = result.exit_code
        _meta_path(module).write_text(json.dumps(meta, indent=4))


def generate_mutants() -> None:
    """mutmut's own first step (copy the project to mutants/, write every mutant), without running tests."""
    os.chdir(ROOT)
    from mutmut.__main__ import create_mutants
    from mutmut.utils.file_utils import copy_also_copy_files, copy_src_dir

    with contextlib.redirect_stdout(io.StringIO()):
        MUTANTS.mkdir(exist_ok=True)
        copy_src_dir()
        copy_also_copy_files()
        create_mutants(1)


def save_results(chosen: list[str]) -> None:
    """Write what mutmut found for the chosen modules to scripts/mutation-results/."""
    for module in chosen:
        meta = _load_meta(module)
        if meta is None:
            continue
        old = read_results(module)
        results = {}
        for name, exit_code in meta["exit_code_by_key"].items():
            function_hash = meta["hash_by_function_name"].get(function_key(name), "")
            kept = old.get(name)
            if exit_code is None and kept and kept.exit_code in FINAL and kept.function_hash == function_hash:
                # mutmut forgets every result when setup.cfg's test command changes; a result stays while its
                # function's source is unchanged (check it again by naming it, or with --module).
                exit_code = kept.exit_code
            change = ""
            if exit_code not in KILLED:
                if kept and kept.change and kept.function_hash == function_hash:
                    change = kept.change
                else:
                    change = _change(name, module)
            results[name] = Result(name, exit_code, function_hash, change)
        write_results(module, results)


def _change(name: str, module: str) -> str:
    """'original line => mutated line' of one mutant, read back through mutmut."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    removed, added = [], []
    with contextlib.chdir(ROOT):
        diff = get_diff_for_mutant(name, path=Path(module))
    for line in diff.splitlines():
        if line.startswith("-") and not line.startswith("---"):
            removed.append(line[1:].strip())
        elif line.startswith("+") and not line.startswith("+++"):
            added.append(line[1:].strip())
    return (" / ".join(removed) + " => " + " / ".join(added)).replace("\t", " ")


# The run -----------------------------------------------------------------------------------------------


def chosen_mutants(
    chosen: list[str], names: list[str], shard, only_unchecked: bool, survivors: bool = False
) -> list[str]:
    selected = []
    unexplained = {result.name for result in tally(chosen)[2]} if survivors else set()
    for module in chosen:
        meta = _load_meta(module) or {"exit_code_by_key": {}}
        for name, exit_code in meta["exit_code_by_key"].items():
            if names and not any(name == pattern or fnmatch.fnmatchcase(name, pattern) for pattern in names):
                continue
            if only_unchecked and exit_code in FINAL and name not in unexplained:
                continue
            if survivors and not only_unchecked and name not in unexplained:
                continue
            if in_shard(name, shard):
                selected.append(name)
    return sorted(selected, key=_number)


def run_mutmut(mutants: list[str], chosen: list[str], max_children: int) -> int:
    with tempfile.TemporaryDirectory(prefix="twofa-mutants-") as databases:
        # Migrated once here; every test process works on its own copy (tests/support/mutation_support.py).
        template = Path(databases) / "template.sqlite3"
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{template}", "MUTATION_DB_TEMPLATE": str(template)}
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--skip-checks", "--verbosity", "0"],
            cwd=ROOT,
            check=True,
            env={"TESTING": "1", "SECRET_KEY": "mutation-testing-only-0123456789abcdef", **env},
        )
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute('PRAGMA wal_checkpoint(TRUNCATE)')",
                template,
            ],
            check=True,
        )
        command = [sys.executable, "-m", "mutmut", "run", "--max-children", str(max_children), *mutants]
        process = subprocess.Popen(command, cwd=ROOT, env=env)
        try:
            while True:
                try:
                    return process.wait(timeout=SAVE_EVERY_SECONDS)
                except subprocess.TimeoutExpired:
                    save_results(chosen)
        finally:
            if process.poll() is None:
                process.terminate()
                process.wait()
            save_results(chosen)


# The report --------------------------------------------------------------------------------------------


def explained_survivors() -> list[tuple[str, re.Pattern, str]]:
    """(function glob, pattern of the mutated line, why no test can kill such a mutant)."""
    explained = []
    for line in EXPLAINED.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            function, pattern, reason = (part.strip() for part in line.split("\t"))
            explained.append((function, re.compile(pattern), reason))
    return explained


def explanation(explained, function: str, mutated_line: str) -> str | None:
    for function_glob, pattern, reason in explained:
        if fnmatch.fnmatchcase(function, function_glob) and pattern.search(mutated_line):
            return reason
    return None


def tally(chosen: list[str]) -> tuple[dict[str, Counter], list[tuple[Result, str]], list[Result]]:
    """Per module: killed, explained, survived (unexplained), not checked, total; and the survivors."""
    explained = explained_survivors()
    totals: dict[str, Counter] = {}
    accepted, unexplained = [], []
    for module in chosen:
        results = read_results(module)
        if not results:
            continue
        counts = totals[module] = Counter()
        for result in results.values():
            counts["total"] += 1
            if result.exit_code in KILLED:
                counts["killed"] += 1
            elif result.exit_code is None:
                counts["not checked"] += 1
            elif result.exit_code in (SURVIVED, *NO_TESTS) and (
                reason := explanation(explained, function_of(result.name), result.mutated_line)
            ):
                counts["explained"] += 1
                accepted.append((result, reason))
            else:
                counts["survived"] += 1
                unexplained.append(result)
    return totals, accepted, unexplained


def table(totals: dict[str, Counter]) -> str:
    """The table docs/testing.md shows."""
    lines = [
        "| module | killed | explained | survived | not checked | total |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    grand = Counter()
    for module, counts in totals.items():
        grand.update(counts)
        lines.append(_row(f"`{module}`", counts))
    lines.append(_row("all", grand))
    return "\n".join(lines)


def _row(label: str, counts: Counter) -> str:
    cells = [counts[key] for key in ("killed", "explained", "survived", "not checked", "total")]
    return f"| {label} | " + " | ".join(f"{cell:,}" for cell in cells) + " |"


def report(chosen: list[str], markdown: bool = False) -> int:
    totals, accepted, unexplained = tally(chosen)
    if not totals:
        print("No mutation results yet: run python3 scripts/dev.py mutate --continue")
        return 1
    print(table(totals))
    if markdown:
        return 0
    missing = [module for module in chosen if module not in totals]
    if missing:
        print(f"\nNo results yet for: {', '.join(missing)}")
    if accepted:
        print(f"\nExplained survivors ({len(accepted)}):")
        for result, reason in accepted:
            print(f"  {result.name}: {result.mutated_line}\n      {reason}")
    left = sum(counts["not checked"] for counts in totals.values())
    if unexplained:
        print(f"\nSurvivors that need a test or an explanation ({len(unexplained)}):")
        for result in unexplained:
            before, _arrow, after = result.change.partition(" => ")
            print(f"  [{result.status}] {result.name}\n      - {before}\n      + {after}")
    if left:
        print(f"\n{left} mutants not checked yet: python3 scripts/dev.py mutate --continue")
    if not unexplained and not left:
        print("\nEvery mutant is killed or explained.")
    return 1 if unexplained or left else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="dev.py mutate", description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="mutants to check again (mutmut's names or globs)")
    parser.add_argument("--module", action="append", help="only this module (a path in setup.cfg; repeatable)")
    parser.add_argument("--shard", type=parse_shard, help="only the K-th of N stable parts of the mutants (K/N)")
    parser.add_argument(
        "--continue", dest="only_unchecked", action="store_true", help="only the mutants with no result yet"
    )
    parser.add_argument(
        "--survivors",
        action="store_true",
        help="only the survivors not explained yet (after adding tests); with --continue, also the unchecked",
    )
    parser.add_argument("--max-children", type=int, default=1, help="mutants checked side by side (default 1)")
    parser.add_argument("--report", action="store_true", help="print the results kept, run nothing")
    parser.add_argument("--markdown", action="store_true", help="with --report: only the table")
    args = parser.parse_args(argv)

    every = modules()
    chosen = every
    if args.module:
        unknown = [module for module in args.module if module not in every]
        if unknown:
            parser.error(f"not in setup.cfg's only_mutate: {', '.join(unknown)}")
        chosen = [module for module in every if module in args.module]
    if args.report:
        return report(chosen, markdown=args.markdown)

    restore_results(chosen)
    generate_mutants()
    save_results(chosen)
    mutants = chosen_mutants(chosen, args.names, args.shard, args.only_unchecked, args.survivors)
    if not mutants:
        print("Nothing to check: every chosen mutant has a result.")
    else:
        print(f"Checking {len(mutants)} mutants with mutmut …", flush=True)
        status = run_mutmut(mutants, chosen, args.max_children)
        if status != 0:
            print(f"mutmut stopped with exit status {status}.")
    return report(chosen)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
