"""scripts/mutate.py: the mutation run's shards, its kept results and the table the testing page shows."""

import importlib.util
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("mutate_script", ROOT / "scripts" / "mutate.py")
mutate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mutate)

NAMES = [f"twofactor.ratelimit.x_{function}__mutmut_{number}" for function in "abcdefg" for number in range(1, 60)]


@pytest.mark.parametrize("parts", [1, 2, 3, 7])
def test_the_shards_split_the_mutants_into_parts_that_do_not_overlap(parts):
    shards = [{name for name in NAMES if mutate.in_shard(name, (part, parts))} for part in range(1, parts + 1)]
    assert set().union(*shards) == set(NAMES)
    assert sum(len(shard) for shard in shards) == len(NAMES)
    if parts > 1:
        assert all(shard and len(shard) < len(NAMES) for shard in shards)


def test_a_mutant_stays_in_its_shard_whatever_else_exists():
    """The split depends on the name alone: new or removed mutants move no other mutant to another shard."""
    first = {name for name in NAMES if mutate.in_shard(name, (2, 4))}
    fewer = {name for name in NAMES[::3] if mutate.in_shard(name, (2, 4))}
    assert fewer == first & set(NAMES[::3])


@pytest.mark.parametrize("text", ["0/4", "5/4", "2", "a/b", "2/0"])
def test_a_shard_that_does_not_exist_is_refused(text, capsys):
    with pytest.raises(SystemExit):
        mutate.main(["--shard", text, "--report"])
    assert "shard" in capsys.readouterr().err


def test_a_module_that_is_not_mutated_is_refused(capsys):
    with pytest.raises(SystemExit):
        mutate.main(["--module", "twofactor/views/signin.py", "--report"])
    assert "only_mutate" in capsys.readouterr().err


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    monkeypatch.setattr(mutate, "RESULTS", tmp_path / "results")
    monkeypatch.setattr(mutate, "MUTANTS", tmp_path / "mutants")
    return tmp_path


def _results(*rows):
    return {name: mutate.Result(name, code, digest, change) for name, code, digest, change in rows}


def test_results_are_kept_per_module_and_read_back_as_written(workspace):
    rows = _results(
        ("twofactor.ratelimit.x_peek__mutmut_10", 0, "aaa", "return Decision(False, w) => return Decision(None, w)"),
        ("twofactor.ratelimit.x_peek__mutmut_2", 1, "aaa", ""),
        ("twofactor.ratelimit.x_reset__mutmut_1", None, "bbb", ""),
    )
    mutate.write_results("twofactor/ratelimit.py", rows)
    path = workspace / "results" / "twofactor.ratelimit.tsv"
    assert [line.split("\t")[0] for line in path.read_text().splitlines()[1:]] == [
        "twofactor.ratelimit.x_peek__mutmut_2",  # in the order of the mutants' numbers, not of the text
        "twofactor.ratelimit.x_peek__mutmut_10",
        "twofactor.ratelimit.x_reset__mutmut_1",
    ]
    assert mutate.read_results("twofactor/ratelimit.py") == rows
    assert [row.status for row in mutate.read_results("twofactor/ratelimit.py").values()] == [
        "killed",
        "survived",
        "not checked",
    ]


def test_kept_results_count_only_for_functions_whose_source_is_unchanged(workspace):
    """A new session on another machine goes on from the kept results; mutmut then throws away the results of
    every function whose source hash changed (results on old code do not count)."""
    module = "twofactor/ratelimit.py"
    mutate.write_results(
        module,
        _results(
            ("twofactor.ratelimit.x_peek__mutmut_1", 1, "same", ""),
            ("twofactor.ratelimit.x_reset__mutmut_1", 0, "old", "a => b"),
        ),
    )
    mutate.restore_results([module])  # no mutants/ yet: mutmut gets the kept results and their hashes
    meta = json.loads((workspace / "mutants" / f"{module}.meta").read_text())
    assert meta["exit_code_by_key"] == {
        "twofactor.ratelimit.x_peek__mutmut_1": 1,
        "twofactor.ratelimit.x_reset__mutmut_1": 0,
    }
    assert meta["hash_by_function_name"] == {"x_peek": "same", "x_reset": "old"}

    # mutants/ from this machine, generated on newer code: reset() changed, peek() did not.
    meta["exit_code_by_key"] = dict.fromkeys(meta["exit_code_by_key"])
    meta["hash_by_function_name"]["x_reset"] = "new"
    (workspace / "mutants" / f"{module}.meta").write_text(json.dumps(meta))
    mutate.restore_results([module])
    meta = json.loads((workspace / "mutants" / f"{module}.meta").read_text())
    assert meta["exit_code_by_key"] == {
        "twofactor.ratelimit.x_peek__mutmut_1": 1,
        "twofactor.ratelimit.x_reset__mutmut_1": None,
    }


def test_continue_checks_the_mutants_with_no_result_and_those_interrupted(workspace):
    module = "twofactor/ratelimit.py"
    codes = {"x_a__mutmut_1": 1, "x_a__mutmut_2": 0, "x_a__mutmut_3": None, "x_a__mutmut_4": -15, "x_a__mutmut_5": 33}
    meta = workspace / "mutants" / f"{module}.meta"
    meta.parent.mkdir(parents=True)
    meta.write_text(json.dumps({"exit_code_by_key": {f"twofactor.ratelimit.{k}": v for k, v in codes.items()}}))
    assert mutate.chosen_mutants([module], [], None, only_unchecked=True) == [
        "twofactor.ratelimit.x_a__mutmut_3",
        "twofactor.ratelimit.x_a__mutmut_4",
    ]
    assert len(mutate.chosen_mutants([module], [], None, only_unchecked=False)) == 5
    assert mutate.chosen_mutants([module], ["*_2"], None, only_unchecked=False) == ["twofactor.ratelimit.x_a__mutmut_2"]


def test_a_survivor_counts_as_explained_only_when_a_line_of_the_list_matches_it(workspace, monkeypatch):
    module = "twofactor/ratelimit.py"
    mutate.write_results(
        module,
        _results(
            ("twofactor.ratelimit.x_a__mutmut_1", 1, "h", ""),
            ("twofactor.ratelimit.x_a__mutmut_2", 0, "h", 'x => getattr(cache, "_cache", None)'),
            ("twofactor.ratelimit.x_b__mutmut_1", 0, "h", "x => y"),
            ("twofactor.ratelimit.x_b__mutmut_2", None, "h", ""),
        ),
    )
    monkeypatch.setattr(mutate, "explained_survivors", lambda: [("twofactor.ratelimit.a", re.compile("_cache"), "why")])
    totals, accepted, unexplained = mutate.tally([module])
    assert dict(totals[module]) == {"total": 4, "killed": 1, "explained": 1, "survived": 1, "not checked": 1}
    assert [result.name for result, _reason in accepted] == ["twofactor.ratelimit.x_a__mutmut_2"]
    assert [result.name for result in unexplained] == ["twofactor.ratelimit.x_b__mutmut_1"]


def test_every_line_of_the_explained_list_has_a_function_a_pattern_and_a_reason():
    for function, pattern, reason in mutate.explained_survivors():
        assert function.startswith("twofactor.") and pattern.pattern and len(reason) > 20


def test_the_testing_page_shows_the_table_of_the_kept_results():
    """docs/testing.md's table is what `python3 scripts/dev.py mutate --report --markdown` prints."""
    totals, _accepted, _unexplained = mutate.tally(mutate.modules())
    page = (ROOT / "docs" / "testing.md").read_text()
    assert mutate.table(totals) in page


def test_the_kept_results_are_of_modules_that_are_mutated():
    kept = {path.name for path in mutate.RESULTS.glob("*.tsv")}
    assert kept <= {mutate.results_file(module).name for module in mutate.modules()}
