import numpy as np
from PIL import Image

from train.dataset import scan
from train.images import decode_rgb, resize


def test_corrupt_and_non_image_files_are_skipped_and_reported(tmp_path):
    for c in ("a", "b"):
        (tmp_path / c).mkdir()
        Image.new("RGB", (40, 30), (200, 10, 10)).save(tmp_path / c / "ok.jpg")
    good = (tmp_path / "a" / "ok.jpg").read_bytes()
    (tmp_path / "a" / "truncated.jpg").write_bytes(good[: len(good) // 2])
    (tmp_path / "b" / "fake.png").write_bytes(b"this is not a png")
    (tmp_path / "b" / "notes.txt").write_text("hello")
    result = scan(tmp_path, ["a", "b"], 16, 16, "stretch")
    assert sorted(s.path for s in result.samples) == ["a/ok.jpg", "b/ok.jpg"]
    assert sorted(p for p, _ in result.skipped) == ["a/truncated.jpg", "b/fake.png", "b/notes.txt"]
    assert result.pixels.shape == (2, 16, 16, 3) and result.pixels.dtype == np.uint8


def test_any_colour_mode_becomes_rgb(tmp_path):
    Image.new("L", (8, 6), 128).save(tmp_path / "grey.png")
    Image.new("RGBA", (8, 6), (0, 0, 255, 0)).save(tmp_path / "clear.png")  # transparent -> white
    Image.new("P", (8, 6), 3).save(tmp_path / "palette.bmp")
    Image.new("CMYK", (8, 6), (0, 255, 255, 0)).save(tmp_path / "cmyk.jpg")
    for name in ("grey.png", "clear.png", "palette.bmp", "cmyk.jpg"):
        rgb = decode_rgb(tmp_path / name)
        assert rgb.shape == (6, 8, 3) and rgb.dtype == np.uint8
    assert (decode_rgb(tmp_path / "clear.png") == 255).all()
    assert decode_rgb(tmp_path / "cmyk.jpg")[0, 0, 0] > 200  # red survives the CMYK conversion


def test_exif_orientation_is_honoured(tmp_path):
    img = Image.new("RGB", (40, 20), (0, 0, 0))
    img.paste((255, 0, 0), (0, 0, 10, 20))  # red stripe on the left edge
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    img.save(tmp_path / "rotated.jpg", exif=exif, quality=95)
    rgb = decode_rgb(tmp_path / "rotated.jpg")
    assert rgb.shape == (40, 20, 3)  # displayed upright: portrait
    assert rgb[2, 10, 0] > 200 and rgb[-3, 10, 0] < 60  # the left stripe is now at the top


def test_resize_rules():
    img = np.zeros((100, 200, 3), np.uint8)
    img[:, :50] = 255  # left quarter white
    stretched = resize(img, 32, 32, "stretch")
    cropped = resize(img, 32, 32, "center_crop")
    assert stretched.shape == cropped.shape == (32, 32, 3)
    assert stretched[:, :6].mean() > 240  # stretch keeps the white quarter
    assert cropped.mean() < 5  # the centred square excludes it
