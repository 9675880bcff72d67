"""What the app reads: shipped files through the path boxes, anything else only as an upload."""

from __future__ import annotations

import io
import os
import time

import pytest

from sim import ScenarioError
from sim.app.setup import load_base_scenario
from sim.app.sources import Upload, not_allowed, receive_upload, shipped_file
from sim.loading import MAX_FILE_BYTES
from sim.scenario import SCENARIO_DIR, shipped_scenario_names
from sim.strategy import STRATEGY_DIR

SCENARIO_NAMES = ("baseline", "captured_state", "donor_surge", "post_conflict", "reforming_state")
ALIAS_BOMB = "\n".join(["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
                       + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)])


def refusal(entry: str, kind: str = "scenario") -> str:
    # The app offers the shipped scenarios of workshop size (not the large ones such as national,
    # sim.scenario.LARGE_SCENARIO_ACTORS) and every shipped strategy.
    return str(not_allowed(entry, kind, shipped_scenario_names() if kind == "scenario"
                           else sorted(p.stem for p in STRATEGY_DIR.glob("*.yaml"))))


@pytest.mark.parametrize("entry", ["baseline", "baseline.yaml", str(SCENARIO_DIR / "baseline.yaml"),
                                   "scenarios/baseline.yaml", "../scenarios/baseline.yaml",
                                   "strategies/../baseline.yaml"])
def test_a_shipped_scenario_is_read_by_name_or_by_a_path_into_its_folder(entry, monkeypatch):
    monkeypatch.chdir(SCENARIO_DIR.parent)
    assert load_base_scenario(entry).name == "baseline"


@pytest.mark.parametrize("entry", ["adaptive", "adaptive.yaml", "scenarios/strategies/adaptive.yaml",
                                   str(STRATEGY_DIR / "adaptive.yaml")])
def test_a_shipped_strategy_is_read_by_name_or_by_a_path_into_its_folder(entry, monkeypatch):
    monkeypatch.chdir(SCENARIO_DIR.parent)
    assert load_base_scenario("baseline", entry).strategy.name == "adaptive"


def test_anything_outside_the_shipped_folders_gets_one_message_that_reveals_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(SCENARIO_DIR.parent)
    own = tmp_path / "own.yaml"
    own.write_text("name: secret_name\nextends: baseline.yaml\n", encoding="utf-8")
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    entries = ["/etc/passwd", "/no/such/file.yaml", "../pyproject.toml", "../../../../../../etc/passwd",
               "/dev/zero", str(fifo), str(own), "scenarios", str(SCENARIO_DIR), "nonexistent", "a\0b",
               "x" * 5000, "strategies/adaptive.yaml"]
    for entry in entries:
        started = time.monotonic()
        with pytest.raises(ScenarioError) as refused:
            load_base_scenario(entry)
        assert time.monotonic() - started < 1.0, entry
        assert str(refused.value) == refusal(entry), entry
        assert "choose a shipped one (" + ", ".join(SCENARIO_NAMES) + ") or upload a file" in str(refused.value)
        assert "secret_name" not in str(refused.value) and "not found" not in str(refused.value)
    with pytest.raises(ScenarioError) as refused:
        load_base_scenario("baseline", "/etc/passwd")
    assert str(refused.value) == refusal("/etc/passwd", "strategy")


def test_a_symlink_out_of_the_folder_and_a_fifo_in_it_are_refused_and_a_regular_file_is_read(tmp_path):
    folder, outside = tmp_path / "shipped", tmp_path / "outside.yaml"
    folder.mkdir()
    outside.write_text("name: outside\n", encoding="utf-8")
    (folder / "inside.yaml").write_text("name: inside\n", encoding="utf-8")
    (folder / "link.yaml").symlink_to(outside)
    os.mkfifo(folder / "pipe.yaml")
    assert shipped_file("inside", folder, "scenario", ["inside"]) == (folder / "inside.yaml").resolve()
    for entry in ("link", "link.yaml", str(folder / "link.yaml"), "pipe", "../outside.yaml"):
        started = time.monotonic()
        with pytest.raises(ScenarioError, match="is not an allowed scenario: choose a shipped one"):
            shipped_file(entry, folder, "scenario", ["inside"])
        assert time.monotonic() - started < 1.0, entry


class Stream(io.BytesIO):
    """An upload's byte stream that records how much was asked of it."""

    def __init__(self, content: bytes) -> None:
        super().__init__(content)
        self.asked: list[int] = []

    def read(self, size: int = -1) -> bytes:
        self.asked.append(size)
        return super().read(size)


def test_an_upload_over_the_limit_is_refused_from_its_declared_size_without_reading_it():
    stream = Stream(b"x" * 6_000_000)
    with pytest.raises(ScenarioError, match=r"upload 'big.yaml': 6,000,000 bytes; a file may hold at most 5,000,000"):
        receive_upload("big.yaml", 6_000_000, stream)
    assert stream.asked == []


def test_an_upload_larger_than_it_declared_is_read_no_further_than_the_limit():
    stream = Stream(b"x" * 6_000_000)
    with pytest.raises(ScenarioError, match="a file may hold at most 5,000,000 bytes"):
        receive_upload("liar.yaml", 10, stream)
    assert stream.asked == [MAX_FILE_BYTES + 1]


def test_an_alias_bomb_upload_gets_one_line_within_a_second():
    started = time.monotonic()
    with pytest.raises(ScenarioError) as refused:
        load_base_scenario(Upload("bomb.yaml", ALIAS_BOMB.encode()))
    assert time.monotonic() - started < 1.0
    assert str(refused.value) == ("upload 'bomb.yaml': refused: its aliases expand to more than 1,000,000 values "
                                  "(an alias bomb?); write the values out, or use fewer aliases")


def test_an_uploaded_scenario_is_read_from_memory_and_may_extend_and_name_shipped_files_only():
    scenario = load_base_scenario(Upload("C:\\Users\\me\\mine.yaml", b"extends: donor_surge.yaml\nname: mine\n"
                                                                      b"strategy: adaptive\n"))
    assert (scenario.name, scenario.strategy.name) == ("mine", "adaptive")
    for content, message in [
        (b"extends: /etc/passwd\nname: x\n", "upload 'mine.yaml': extends = '/etc/passwd'; an uploaded scenario may "
                                             "extend a shipped scenario only: baseline.yaml, "),
        (b"extends: ../scenarios/baseline.yaml\n", "may extend a shipped scenario only"),
        (b"extends: baseline\nstrategy: /etc/passwd\n", "strategy = '/etc/passwd' is not a shipped strategy; name "
                                                        "one of adaptive, "),
        (b"extends: baseline\nname: a\nname: b\n", "duplicate key 'name'"),
        (b"extends: baseline\nactors: {ministry: {political_will: 2.0}}\n",
         "upload 'mine.yaml': actors.ministry.political_will = 2.0 is out of range; allowed: [0.0, 1.0]"),
        (b"\xff\xfe", "upload 'mine.yaml': not UTF-8 text"),
        (b"", "upload 'mine.yaml': the file is empty; it must be a mapping"),
        (b"!!python/object/apply:os.system [echo hi]", "malformed YAML"),
    ]:
        with pytest.raises(ScenarioError) as refused:
            load_base_scenario(Upload("C:\\Users\\me\\mine.yaml", content))
        assert message in str(refused.value), (content, str(refused.value))
        assert "\\Users" not in str(refused.value)


def test_an_uploaded_strategy_applies_to_the_chosen_scenario_and_its_errors_name_its_fields():
    adaptive = (STRATEGY_DIR / "adaptive.yaml").read_bytes()
    assert load_base_scenario("baseline", Upload("plan.yaml", adaptive.replace(b"name: adaptive", b"name: plan"))
                              ).strategy.name == "plan"
    with pytest.raises(ScenarioError, match=r"upload 'plan.yaml': phases = 3: Input should be a valid list"):
        load_base_scenario("baseline", Upload("plan.yaml", b"name: plan\nphases: 3\n"))
