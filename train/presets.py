"""Named training recipes: `paper` (the reference paper's settings) and `default` (ours)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Stage:
    """One training stage: how much of the base is trainable, learning rate, epoch budget."""

    unfreeze: int  # number of last base layers made trainable (0 = head only)
    lr: float
    epochs: int
    # Quantization-aware training: kernels on the converter's int8 grid, activations rounded to
    # their int8 ranges; the stage ends with the kernels on the grid (see train/int8_grid.py).
    int8_grid: bool = False
    # Stochastic weight averaging: > 0 runs the stage at a constant rate without early stopping
    # and ends it on the mean of the weights after each of its last `average` epochs.
    average: int = 0


@dataclass(frozen=True)
class Augment:
    """Training-only augmentation. rotation_deg, shift, zoom, flip, brightness and fill_mode are
    the paper's ImageDataGenerator settings; the rest go beyond it."""

    rotation_deg: float = 30.0
    shift: float = 0.2
    zoom: float = 0.2  # ± fraction (zoom in and out)
    # zoom in further, by up to this fraction (the visible side shrinks to 1 - zoom_in): closer
    # and tighter framings than TrashNet's, where the item's own texture fills more of the photo
    zoom_in: float = 0.0
    flip: bool = True
    brightness: tuple[float, float] = (0.8, 1.2)
    fill_mode: str = "nearest"
    # Beyond the paper, for photos that do not look like TrashNet's white backdrop:
    contrast: float = 0.0  # ± fraction
    saturation: float = 0.0  # ± fraction
    hue: float = 0.0  # ± fraction of the hue circle
    illumination: float = (
        0.0  # ± amplitude of a smooth per-channel light field (tints the backdrop)
    )
    blur_prob: float = 0.0  # probability of a Gaussian blur (defocus, motion)
    noise_std: float = 0.0  # std of sensor noise in 0–255 units
    backdrop: float = 0.0  # probability of recolouring the white backdrop (augment.py)
    texture: float = 0.0  # share of the recoloured backdrops that are mottled, not one colour
    # ± fraction by which the height alone is zoomed, the width kept: items taller or squatter,
    # as a camera with another frame shape (upright 3:4, 16:9) shows them once stretched square
    aspect: float = 0.0
    mixup: float = 0.0  # alpha of MixUp's Beta(alpha, alpha) blend of two photos (train/mixup.py)


@dataclass(frozen=True)
class Recipe:
    """Everything that defines a training run apart from data and weights."""

    name: str
    image_size: int = 224
    alpha: float = 1.0
    batch_size: int = 32
    stage1: Stage = field(default_factory=lambda: Stage(unfreeze=0, lr=1e-3, epochs=10))
    stage2: Stage = field(default_factory=lambda: Stage(unfreeze=20, lr=1e-5, epochs=20))
    stage3: Stage = field(default_factory=lambda: Stage(0, 1e-5, 0, int8_grid=True))
    dense_units: int = 256
    dropout: float = 0.5
    label_smoothing: float = 0.0
    weight_decay: float = 0.0
    patience: int = 5  # EarlyStopping on val_loss
    schedule: str = "plateau"  # learning rate: "plateau" (ReduceLROnPlateau) or "cosine"
    lr_patience: int = 3  # plateau: epochs without val_loss improvement...
    lr_factor: float = 0.5  # ...before the learning rate is multiplied by this
    augment: Augment = field(default_factory=Augment)
    resize: str = "stretch"
    # loss weight of each photo of an `--unknown` class (its target is uniform: outlier exposure)
    unknown_weight: float = 0.5


PRESETS: dict[str, Recipe] = {
    # The paper: stage 1 trains the last 30 base layers with the head at Adam 1e-5; stage 2
    # unfreezes "the last 20 layers" for fine-tuning. Epochs, batch size and the stage-2 learning
    # rate are not in the text; we choose 20 + 20 epochs (EarlyStopping ends them sooner),
    # batch 32, 1e-6.
    "paper": Recipe(
        name="paper",
        stage1=Stage(unfreeze=30, lr=1e-5, epochs=20),
        stage2=Stage(unfreeze=20, lr=1e-6, epochs=20),
    ),
    # Ours: train the new head fast on frozen features, then fine-tune the whole base (all 154
    # layers; BatchNorm stays frozen, in inference mode) on a cosine schedule over up to 50
    # epochs; photometric augmentation beyond the paper's (contrast, saturation, hue, uneven
    # light, blur, noise, half the backdrops recoloured) and label smoothing so the model leans
    # less on TrashNet's white backdrop. Stage 3 trains on as the int8 model will compute, ending
    # on the int8 grid.
    "default": Recipe(
        name="default",
        stage1=Stage(unfreeze=0, lr=1e-3, epochs=5),
        stage2=Stage(unfreeze=154, lr=1e-4, epochs=50),
        stage3=Stage(unfreeze=154, lr=2e-5, epochs=8, int8_grid=True),
        schedule="cosine",
        label_smoothing=0.1,
        augment=Augment(
            fill_mode="reflect",
            contrast=0.2,
            saturation=0.2,
            hue=0.03,
            illumination=0.15,
            blur_prob=0.15,
            noise_std=3.0,
            backdrop=0.5,
        ),
    ),
}


def get_preset(name: str, **overrides: object) -> Recipe:
    """Return a preset with command-line overrides (only the ones that are not None) applied."""
    recipe = PRESETS[name]
    return replace(recipe, **{k: v for k, v in overrides.items() if v is not None})
