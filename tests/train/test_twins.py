import numpy as np
from PIL import Image

from tests.helpers import SAMPLES
from train.images import resize
from train.twins import TWIN_SIMILARITY, twin_groups, unit_features


def test_groups_join_near_copies_transitively_whatever_the_block():
    e = np.eye(8)

    def at(degrees):  # a unit vector in the plane of e[0] and e[1]
        return np.cos(np.radians(degrees)) * e[0] + np.sin(np.radians(degrees)) * e[1]

    # 0 ~ 3 and 3 ~ 5 (cosine 0.87), but 0 and 5 only 0.5 alike: one group of three
    feats = unit_features(np.stack([at(0), e[2], e[3], at(30), e[4], at(60)]))
    for block in (1, 2, 4, 512):
        groups = twin_groups(feats, 0.85, block=block)
        assert groups[0] == groups[3] == groups[5]
        assert len({groups[0], groups[1], groups[2], groups[4]}) == 4
    assert len(set(twin_groups(feats, 0.9))) == 6


def _photo(path, shift=0, gain=1.0):
    rgb = np.asarray(Image.open(path).convert("RGB")).astype(np.float32)
    rgb = np.roll(rgb, shift, axis=1) * gain
    return resize(np.clip(rgb, 0, 255).astype(np.uint8), 224, 224, "stretch")


def test_a_photo_moved_and_relit_is_a_near_copy_and_other_items_are_not(shared_weights):
    from train.model import build_model
    from train.twins import pooled_features

    model, _ = build_model(5, 224, 1.0, str(shared_weights))
    can, other_can, flyer, box = (
        SAMPLES / "metal" / "metal166.jpg",
        SAMPLES / "metal" / "metal328.jpg",
        SAMPLES / "paper" / "paper82.jpg",
        SAMPLES / "cardboard" / "cardboard124.jpg",
    )
    pixels = np.stack(
        [
            _photo(can),
            _photo(can, shift=12, gain=1.08),  # the item moved a little, the light brighter
            _photo(flyer),
            _photo(flyer, shift=-10, gain=0.93),
            _photo(other_can),
            _photo(box),
        ]
    )
    groups = twin_groups(pooled_features(model, pixels, 8, 0), TWIN_SIMILARITY)
    assert groups[0] == groups[1] and groups[2] == groups[3]
    assert len(set(groups[[0, 2, 4, 5]])) == 4
