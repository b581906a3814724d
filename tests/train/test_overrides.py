"""Command-line options land in the recipe's own stage, and nowhere else."""

from dataclasses import replace

from train.__main__ import apply_overrides, parser
from train.presets import get_preset


def recipe_for(*options: str):
    return apply_overrides(
        get_preset("default"), parser().parse_args(["--data", "d", "--out", "o", *options])
    )


def test_each_learning_rate_reaches_its_own_stage():
    preset = get_preset("default")
    recipe = recipe_for("--lr1", "1e-4", "--lr2", "3e-5")
    assert recipe.stage1 == replace(preset.stage1, lr=1e-4)
    assert recipe.stage2 == replace(preset.stage2, lr=3e-5)
    assert recipe.stage3 == preset.stage3 and recipe.augment == preset.augment


def test_no_option_leaves_the_preset_as_it_is():
    assert recipe_for() == get_preset("default")


def test_unknown_weight_reaches_the_recipe():
    recipe = recipe_for("--unknown-weight", "2")
    assert recipe.unknown_weight == 2 and get_preset("default").unknown_weight == 0.5
    assert recipe.augment == get_preset("default").augment


def test_mixup_reaches_the_augmentation_only():
    preset = get_preset("default")
    recipe = recipe_for("--mixup", "0.2")
    assert recipe.augment == replace(preset.augment, mixup=0.2) and preset.augment.mixup == 0
    assert recipe.stage2 == preset.stage2


def test_aspect_reaches_the_augmentation_only():
    recipe = recipe_for("--aspect", "0.5")
    assert recipe.augment == replace(get_preset("default").augment, aspect=0.5)
