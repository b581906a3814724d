"""PNG figures: the confusion matrix, the training curves, and routing against the threshold."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def plot_confusion(cm: list[list[int]], labels: list[str], path: Path, title: str) -> None:
    """Confusion matrix: colour by row-normalised recall, each cell annotated with its count."""
    cm_arr = np.asarray(cm)
    norm = cm_arr / np.maximum(cm_arr.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(1.2 * len(labels) + 2, 1.1 * len(labels) + 1.5))
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(
                j,
                i,
                f"{cm_arr[i, j]}\n{norm[i, j]:.0%}",
                ha="center",
                va="center",
                color="white" if norm[i, j] > 0.5 else "black",
                fontsize=9,
            )
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_curves(stages: list[dict], path: Path, title: str) -> None:
    """Accuracy and loss per epoch for training and validation, all stages on one time axis."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, metric in zip(axes, ("accuracy", "loss"), strict=True):
        offset = 0
        for i, st in enumerate(stages, 1):
            h, n = st["history"], st["stage"]
            x = np.arange(offset + 1, offset + len(h[metric]) + 1)
            ax.plot(x, h[metric], "-o", ms=3, color=f"C{2 * i - 2}", label=f"train (stage {n})")
            ax.plot(
                x, h[f"val_{metric}"], "-s", ms=3, color=f"C{2 * i - 1}", label=f"val (stage {n})"
            )
            offset += len(h[metric])
            if i < len(stages):
                ax.axvline(offset + 0.5, color="grey", ls="--", lw=1)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        if stages:
            ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_routing(points: list[dict], threshold: float, path: Path, title: str) -> None:
    """Per confidence threshold: items in their own compartment, recyclables sent to the fallback,
    and items in a wrong recyclable compartment (the last on its own axis, it is the small one)."""
    t = [p["threshold"] for p in points]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6.4, 5.6), sharex=True)
    top.plot(t, [100 * p["own_compartment"] for p in points], "o-", label="own compartment")
    top.plot(
        t, [100 * p["recyclable_to_fallback"] for p in points], "s-", label="recyclable → trash"
    )
    top.set_ylabel("% of test items")
    top.legend()
    bottom.plot(t, [100 * p["wrong_recyclable"] for p in points], "o-", color="tab:red")
    bottom.set_ylabel("% in a wrong\nrecyclable stream")
    bottom.set_xlabel("confidence threshold")
    for ax in (top, bottom):
        ax.axvline(threshold, color="grey", linestyle="--", linewidth=1)
        ax.grid(alpha=0.3)
    top.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
