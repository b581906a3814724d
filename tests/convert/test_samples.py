"""Demo sample photos come only from the test split, downsized, with the licence beside them."""

from PIL import Image

from convert.samples import main, pick
from train.dataset import Sample
from train.split import assign_splits, write_manifest


def test_samples_are_test_split_only_downsized_and_licensed(tmp_path):
    data = tmp_path / "data"
    samples = []
    for label in ("metal", "trash"):
        (data / label).mkdir(parents=True)
        for i in range(20):
            Image.new("RGB", (512, 384), (i * 10, 50, 90)).save(data / label / f"{label}{i}.jpg")
            samples.append(Sample(f"{label}/{label}{i}.jpg", label, f"{label}-{i:03d}"))
    (data / "LICENSE").write_text("MIT License\nCopyright (c) 2017 Gary Thung\n")
    splits = assign_splits(samples, (0.7, 0.15, 0.15), 0)
    write_manifest(tmp_path / "m.split.csv", samples, splits)
    out = tmp_path / "samples"
    assert (
        main(
            [
                str(tmp_path / "m.split.csv"),
                "--data",
                str(data),
                "--out",
                str(out),
                "--per-class",
                "2",
                "--max-side",
                "128",
            ]
        )
        == 0
    )
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.jpg"))
    assert len(written) == 4
    assert all(splits[w] == "test" for w in written)
    assert all(max(Image.open(out / w).size) == 128 for w in written)
    assert "Gary Thung" in (out / "LICENSE").read_text()


def test_pick_is_deterministic_and_ignores_train_rows():
    rows = [
        {"path": f"a/{i}.jpg", "label": "a", "split": s, "sha256": str(i)}
        for i, s in enumerate(["train", "test", "val", "test", "test"])
    ]
    assert pick(rows, 2) == pick(list(reversed(rows)), 2)
    assert all(r["split"] == "test" for r in pick(rows, 5))
    assert len(pick(rows, 5)) == 3


def test_missing_manifest_is_a_one_line_error(tmp_path, capsys):
    assert main([str(tmp_path / "nope.csv"), "--data", str(tmp_path)]) == 2
    assert "manifest not found" in capsys.readouterr().err
