# SPDX-License-Identifier: GPL-3.0-or-later
"""`values.value`: the start path's frozen value classes behave as frozen dataclasses do."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from netns_helper.values import FrozenInstanceError, field, replace, value

REPO = Path(__file__).resolve().parents[2]


@value
class Point:
    x: int
    y: int = 0
    tags: tuple[str, ...] = field(default_factory=tuple)
    note: str = field(default="", compare=False, repr=False)

    def norm(self) -> int:
        return abs(self.x) + abs(self.y)


@value
class Point3(Point):
    z: int = 0


def test_init_by_position_keyword_and_default() -> None:
    assert (Point(1).x, Point(1).y, Point(1).tags) == (1, 0, ())
    assert Point(1, 2) == Point(y=2, x=1)
    assert Point3(1, 2, (), "n", 3).z == 3
    assert Point(1).norm() == 1


def test_every_field_by_position_or_by_keyword_is_the_same_value_in_field_order() -> None:
    everything = Point(1, 2, ("a",), "n")  # the fast paths: all by position, all by keyword
    by_keyword = Point(note="n", tags=("a",), y=2, x=1)
    assert everything == by_keyword == Point(1, 2, tags=("a",), note="n")
    assert list(vars(everything).items()) == list(vars(by_keyword).items())
    assert list(vars(by_keyword)) == ["x", "y", "tags", "note"]
    assert by_keyword.note == "n"
    with pytest.raises(TypeError, match="unexpected arguments 'x'"):
        Point(1, 2, (), "", x=1)  # type: ignore[misc]
    with pytest.raises(TypeError, match="unexpected arguments 'w'"):
        Point(x=1, y=2, tags=(), w=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="missing its argument 'x'"):
        Point(y=2, tags=(), note="", z=1)  # type: ignore[call-arg]


def test_wrong_arguments_are_refused() -> None:
    with pytest.raises(TypeError, match="missing its argument 'x'"):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected arguments 'w'"):
        Point(1, w=2)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="takes 4 arguments, 5 given"):
        Point(1, 2, (), "", 5)  # type: ignore[call-arg]


def test_equality_and_hash_use_the_compared_fields_of_the_same_class() -> None:
    assert Point(1, 2, note="a") == Point(1, 2, note="b")
    assert hash(Point(1, 2, note="a")) == hash(Point(1, 2))
    assert Point(1, 2) != Point(2, 1)
    assert Point(1) != Point3(1)
    assert len({Point(1), Point(1), Point(2)}) == 2


def test_no_assignment_after_construction() -> None:
    p = Point(1)
    with pytest.raises(FrozenInstanceError):
        p.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del p.y
    assert p.x == 1


def test_repr_replace_and_pickle() -> None:
    assert repr(Point(1, tags=("a",), note="hidden")) == "Point(x=1, y=0, tags=('a',))"
    assert replace(Point(1, 2), y=5) == Point(1, 5)
    with pytest.raises(TypeError, match="no field w"):
        replace(Point(1), w=1)
    p = Point3(1, 2, ("t",), "n", 3)
    assert pickle.loads(pickle.dumps(p)) == p


def test_factory_gives_each_instance_its_own_value() -> None:
    @value
    class Bag:
        items: list[int] = field(default_factory=list)

    a, b = Bag(), Bag()
    a.items.append(1)
    assert b.items == []


@pytest.mark.real_processes
def test_the_start_path_imports_no_dataclasses() -> None:
    """What start loads: dataclasses (and the inspect, ast, tokenize it brings) cost start-up time."""
    code = "import sys; from netns_helper import cli, lifecycle; print(' '.join(sorted(sys.modules)))"
    loaded = set(
        subprocess.run(
            [sys.executable, "-c", code], cwd=REPO, check=True, capture_output=True, text=True
        ).stdout.split()
    )
    assert {"netns_helper.lifecycle", "netns_helper.planner"} <= loaded
    assert not loaded & {"dataclasses", "inspect", "ast", "typing", "pickle"}
