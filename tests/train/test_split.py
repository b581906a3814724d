from collections import Counter

import pytest

from train.dataset import Sample
from train.errors import UserError
from train.split import (
    TWIN,
    assign_splits,
    content_order,
    pinned_splits,
    read_manifest,
    write_manifest,
)


def _samples(n_per_class: dict[str, int]) -> list[Sample]:
    return [
        Sample(f"{c}/{c}{i}.jpg", c, f"{c}-{i:04d}")
        for c, n in n_per_class.items()
        for i in range(n)
    ]


def test_split_is_deterministic_and_seeded():
    s = _samples({"a": 50, "b": 30})
    assert assign_splits(s, (0.7, 0.15, 0.15), 1) == assign_splits(
        list(reversed(s)), (0.7, 0.15, 0.15), 1
    )
    assert assign_splits(s, (0.7, 0.15, 0.15), 1) != assign_splits(s, (0.7, 0.15, 0.15), 2)


def test_split_is_stratified():
    s = _samples({"a": 100, "b": 40, "c": 20})
    splits = assign_splits(s, (0.7, 0.15, 0.15), 0)
    per = Counter((x.label, splits[x.path]) for x in s)
    for label, n in (("a", 100), ("b", 40), ("c", 20)):
        assert per[(label, "test")] == round(0.15 * n)
        assert per[(label, "val")] == round(0.15 * n)
        assert per[(label, "train")] == n - 2 * round(0.15 * n)


def test_identical_files_share_a_split_even_across_classes():
    s = _samples({"a": 40, "b": 40})
    # the same bytes under two classes and twice in one class
    s += [Sample("b/dup_of_a3.jpg", "b", "a-0003"), Sample("a/copy_a5.jpg", "a", "a-0005")]
    splits = assign_splits(s, (0.6, 0.2, 0.2), 7)
    by_hash: dict[str, set[str]] = {}
    for x in s:
        by_hash.setdefault(x.sha256, set()).add(splits[x.path])
    assert all(len(v) == 1 for v in by_hash.values())


def test_manifest_round_trip(tmp_path):
    s = _samples({"a": 5})
    splits = assign_splits(s, (0.6, 0.2, 0.2), 0)
    write_manifest(tmp_path / "split.csv", s, splits)
    rows = read_manifest(tmp_path / "split.csv")
    assert list(rows[0]) == ["path", "label", "split", "sha256"]
    assert [(r["path"], r["split"], r["sha256"]) for r in rows] == [
        (x.path, splits[x.path], x.sha256) for x in s
    ]


def test_unknown_classes_move_no_photo_of_the_classes():
    # TrashNet holds a glass photo that is byte for byte a plastic one; "glass" sorts first
    known = _samples({"metal": 40, "plastic": 40})
    # the twin of plastic's first photo in the seeded order: counted towards glass, it would
    # shift every cut of plastic's split
    first = min(known[40:], key=lambda s: content_order(3, s.sha256))
    twin = Sample("glass/glass0.jpg", "glass", first.sha256)
    unknown = [twin, *(Sample(f"glass/g{i}.jpg", "glass", f"glass-{i:04d}") for i in range(30))]
    alone = assign_splits(known, (0.7, 0.15, 0.15), 3)
    both = assign_splits(known + unknown, (0.7, 0.15, 0.15), 3, frozenset({"glass"}))
    assert {s.path: both[s.path] for s in known} == alone
    assert both[twin.path] == both[first.path] == "test"  # one content, one split
    ignored = assign_splits(known + unknown, (0.7, 0.15, 0.15), 3)  # glass as a class
    assert {s.path: ignored[s.path] for s in known} != alone
    assert {both[s.path] for s in unknown} == {"train", "val", "test"}


def test_pinned_photos_keep_their_split_when_photos_are_added(tmp_path):
    old = _samples({"a": 60, "b": 40})
    first = assign_splits(old, (0.7, 0.15, 0.15), 5)
    new = [Sample(f"a/new{i}.jpg", "a", f"new-{i:04d}") for i in range(40)]
    unpinned = assign_splits(old + new, (0.7, 0.15, 0.15), 5)
    assert any(unpinned[s.path] != first[s.path] for s in old)  # the rank cut moves some
    write_manifest(tmp_path / "split.csv", old, first)
    pinned = pinned_splits(tmp_path / "split.csv")
    again = assign_splits(old + new, (0.7, 0.15, 0.15), 5, pinned=pinned)
    assert all(again[s.path] == first[s.path] for s in old)
    per = Counter(again[s.path] for s in new)  # the new photos are cut by the fractions
    assert per == {"test": 6, "val": 6, "train": 28}


def test_pinned_splits_errors_name_the_file(tmp_path):
    with pytest.raises(UserError, match="--split-from .*nope.csv: file not found"):
        pinned_splits(tmp_path / "nope.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("path,label,split,sha256\na/x.jpg,a,holdout,abc\n")
    with pytest.raises(UserError, match="bad.csv: a/x.jpg has split 'holdout'.*test, twin"):
        pinned_splits(bad)


def test_near_copies_share_a_split():
    s = _samples({"a": 60, "b": 40})
    # photos 0-4 of a, 10-11 of a with 5 of b (across classes), the rest alone
    twins = list(range(len(s)))
    for i in range(5):
        twins[i] = 0
    twins[10] = twins[11] = twins[60 + 5] = 10
    splits = assign_splits(s, (0.7, 0.15, 0.15), 3, twins=twins)
    assert len({splits[s[i].path] for i in range(5)}) == 1
    assert len({splits[s[i].path] for i in (10, 11, 65)}) == 1
    # a group counts once towards its class's cut: a's 60 photos are 55 groups
    per = Counter(
        splits[x.path] for x in s[:60] if x.path not in {s[i].path for i in (1, 2, 3, 4, 11)}
    )
    assert (per["test"], per["val"]) == (round(0.15 * 55), round(0.15 * 55))


def test_a_pinned_held_out_photo_beside_a_pinned_training_copy_is_left_out(tmp_path):
    s = _samples({"a": 40})
    first = assign_splits(s, (0.6, 0.2, 0.2), 1)  # made without looking for near-copies
    write_manifest(tmp_path / "split.csv", s, first)
    pinned = pinned_splits(tmp_path / "split.csv")
    train = [x for x in s if first[x.path] == "train"]
    val = [x for x in s if first[x.path] == "val"]
    test = [x for x in s if first[x.path] == "test"]
    new = [Sample(f"a/new{i}.jpg", "a", f"new-{i}") for i in range(3)]
    group = {x.path: i for i, x in enumerate(s + new)}
    # test[0] is a near-copy of train[0]; val[0] of test[1] (both held out); new photos join
    # train[1], val[1] and a group of their own
    for a, b in ((test[0], train[0]), (val[0], test[1]), (new[0], train[1]), (new[1], val[1])):
        group[a.path] = group[b.path]
    both = s + new
    again = assign_splits(
        both, (0.6, 0.2, 0.2), 1, pinned=pinned, twins=[group[x.path] for x in both]
    )
    assert again[test[0].path] == TWIN and again[train[0].path] == "train"
    assert (again[val[0].path], again[test[1].path]) == ("val", "test")
    assert (again[new[0].path], again[new[1].path]) == ("train", "val")
    assert all(again[x.path] == first[x.path] for x in s if x is not test[0])
    # the manifest written with a TWIN row reads back as pins
    write_manifest(tmp_path / "again.csv", both, again)
    assert pinned_splits(tmp_path / "again.csv")[test[0].sha256] == TWIN
