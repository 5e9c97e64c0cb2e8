#!/usr/bin/env python3
"""Mutation testing of the modules that guard the account, with mutmut (settings in setup.cfg).

    python3 scripts/dev.py mutate              fresh run of every mutant, then the score and the survivors
    python3 scripts/dev.py mutate --report     the score and the survivors of the last run, without running
    python3 scripts/dev.py mutate --continue   check the mutants an interrupted run left unchecked
    python3 scripts/dev.py mutate "twofactor.middleware*"   re-run some mutants (mutmut's names or globs)

mutmut writes a mutated copy of the project to mutants/, runs the fast tests once to learn which
tests call which function, then forks one test run per mutant (two at a time) with only the tests
that called the mutated function. A mutant that no test fails on "survived". Survivors that no test
can tell apart from the real code are listed, with the reason, in scripts/mutation-explained.txt.
Runs in this project's .venv (dev.py installs requirements-mutation.txt into it).
"""

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXPLAINED = ROOT / "scripts" / "mutation-explained.txt"
MUTANTS = ROOT / "mutants"

KILLED = {1, 3, 24, -24, 36, 152, 255}  # a failing test, pytest's internal error, or a timeout (an endless loop)
SURVIVED = 0


def run_mutmut(names: list[str]) -> int:
    if names[:1] == ["--continue"]:
        names = names[1:]  # go on with the mutants not checked yet (after an interruption)
    elif not names and MUTANTS.exists():
        shutil.rmtree(MUTANTS)  # a fresh run: results of old code or old tests must not count
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
        command = [sys.executable, "-m", "mutmut", "run", "--max-children", str(min(2, os.cpu_count() or 1)), *names]
        return subprocess.run(command, cwd=ROOT, env=env).returncode


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


def changed_lines(name: str, path: Path) -> tuple[str, str]:
    """(original line, mutated line) of one mutant, read back through mutmut."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    removed, added = [], []
    for line in get_diff_for_mutant(name, path=path).splitlines():
        if line.startswith("-") and not line.startswith("---"):
            removed.append(line[1:].strip())
        elif line.startswith("+") and not line.startswith("+++"):
            added.append(line[1:].strip())
    return " / ".join(removed), " / ".join(added)


def function_of(name: str) -> str:
    """twofactor.ratelimit.xǁCacheStoreǁreset__mutmut_4 -> twofactor.ratelimit.CacheStore.reset"""
    module, _dot, mangled = name.partition("__mutmut_")[0].rpartition(".")
    return f"{module}.{mangled.removeprefix('x_').removeprefix('xǁ').replace('ǁ', '.')}"


def report() -> int:
    os.chdir(ROOT)
    explained = explained_survivors()
    totals: dict[str, Counter] = defaultdict(Counter)
    unexplained, accepted = [], []
    for meta in sorted(MUTANTS.glob("twofactor/**/*.py.meta")):
        source = meta.relative_to(MUTANTS).with_suffix("")
        for name, exit_code in json.loads(meta.read_text())["exit_code_by_key"].items():
            counts = totals[str(source)]
            counts["mutants"] += 1
            if exit_code in KILLED:
                counts["killed"] += 1
                continue
            if exit_code is None:
                counts["not checked"] += 1
                continue
            before, after = changed_lines(name, source)
            reason = explanation(explained, function_of(name), after)
            if exit_code in (SURVIVED, 5, 33) and reason:  # survived, or no test reaches it (as explained)
                counts["explained"] += 1
                accepted.append((name, after, reason))
            else:
                status = (
                    "survived" if exit_code == SURVIVED else "no tests" if exit_code in (5, 33) else f"exit {exit_code}"
                )
                counts[status] += 1
                unexplained.append((name, status, before, after))

    if not totals:
        print("No mutation results yet: run python3 scripts/dev.py mutate")
        return 1
    print(
        "\nMutation score per module (killed of the mutants checked; explained = survivors no test can kill, "
        "see scripts/mutation-explained.txt)"
    )
    grand = Counter()
    for source, counts in [*totals.items(), ("all", grand)]:
        if source != "all":
            grand.update(counts)
        checked = counts["mutants"] - counts["not checked"]
        print(
            f"  {source:28} {counts['killed']:5} killed of {checked:<5} {_rate(counts['killed'], checked)}"
            f"  explained {counts['explained']:3}  other survivors {checked - counts['killed'] - counts['explained']:3}"
            + (f"  (not checked yet: {counts['not checked']} of {counts['mutants']})" if counts["not checked"] else "")
        )
    if accepted:
        print(f"\nExplained survivors ({len(accepted)}):")
        for name, after, reason in accepted:
            print(f"  {name}: {after}\n      {reason}")
    if unexplained:
        print(f"\nSurvivors that need a test ({len(unexplained)}):")
        for name, status, before, after in unexplained:
            print(f"  [{status}] {name}\n      - {before}\n      + {after}")
    else:
        print("\nEvery mutant is killed or explained.")
    return 1 if unexplained else 0


def _rate(killed: int, checked: int) -> str:
    return f"({100 * killed / checked:5.1f}%)" if checked else "(  -  )"


def main(args: list[str]) -> int:
    if args[:1] != ["--report"]:
        status = run_mutmut(args)
        if status != 0:
            print(f"mutmut stopped with exit status {status}.")
    return report()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
