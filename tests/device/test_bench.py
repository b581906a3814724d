"""`python -m device bench`: a few frames of a tiny model through the real loop classes, the JSON
with every stage and context field, the PNG, the table, one-line errors, the remote target.
No test asserts a speed."""

import contextlib
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from device.__main__ import main
from device.bench import context, stats
from device.bench.measure import TIMED
from device.bench.variants import VARIANTS, variant_path
from device.model import RUNTIMES
from tests.deploy.conftest import sshd  # noqa: F401  (a real OpenSSH server on 127.0.0.1)
from tests.device.conftest import LABELS, SIZE

REPO = Path(__file__).resolve().parents[2]
FAST = ["--frames", "4", "--warmup", "1", "--threads", "1,2"]
QUANTIZATION = {"int8": "int8", "fp16": "float16", "fp32": "float32"}


@pytest.fixture(scope="module")
def models(tmp_path_factory, tiny_model) -> Path:
    """smartbin_int8.tflite (the tiny int8 model) with real float16 and float32 variants beside
    it, named and described as the convert stage writes them; returns the int8 path."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    keras = tf.keras
    folder = tmp_path_factory.mktemp("variants")
    int8 = folder / "smartbin_int8.tflite"
    shutil.copy(tiny_model, int8)
    shutil.copy(tiny_model.with_suffix(".json"), int8.with_suffix(".json"))
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((SIZE, SIZE, 3)),
            keras.layers.Rescaling(1 / 255.0),
            keras.layers.Conv2D(8, 3, strides=2, activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(len(LABELS), activation="softmax"),
        ]
    )
    base = json.loads(int8.with_suffix(".json").read_text())
    for variant in ("fp16", "fp32"):
        converter = tf.lite.TFLiteConverter.from_keras_model(model)
        if variant == "fp16":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.target_spec.supported_types = [tf.float16]
        path = variant_path(int8, variant)
        path.write_bytes(converter.convert())
        sidecar = base | {
            "input": base["input"] | {"dtype": "float32"},
            "output": {"dtype": "float32"},
            "quantization": QUANTIZATION[variant],
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        }
        path.with_suffix(".json").write_text(json.dumps(sidecar))
    return int8


@pytest.fixture(scope="module")
def bench_run(models, samples, tmp_path_factory) -> tuple[dict, Path, str]:
    """One short sweep: 3 variants x threads 1,2 on this Python's runtimes."""
    out = tmp_path_factory.mktemp("results") / "run.json"
    args = ["bench", "--model", str(models), "--samples", str(samples), "--out", str(out), *FAST]
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        assert main(args) == 0
    return json.loads(out.read_text()), out, text.getvalue()


def test_json_has_every_stage_and_context_field(bench_run, models):
    doc, _, _ = bench_run
    results = doc["results"]
    assert {(r["variant"], r["threads"]) for r in results} >= {
        (q, t) for q in QUANTIZATION.values() for t in (1, 2)
    }
    for key in ("hostname", "board", "cpu", "cores", "usable_cores", "machine"):
        assert key in doc["host"]
    for snap in (doc["before"], doc["after"]):
        for key in ("temperatures_c", "throttled", "governor", "cpu_mhz", "load_average", "time"):
            assert key in snap
    for r in results:
        assert set(r["stages"]) == set(TIMED)
        for s in r["stages"].values():
            assert 0 <= s["p50"] <= s["p90"] <= s["p99"] <= s["max"]
            assert s["mean"] <= s["max"]
        assert r["frames"] == 4 and len(r["samples_ms"]["frame"]) == 4
        assert r["fps"] > 0 and r["overhead"] >= 1.0
        assert r["runtime"] in context.installed_runtimes()
        env = r["environment"]
        assert env["python"] == sys.version.split()[0]
        assert env["numpy"] and env["runtimes"][r["runtime"]] == r["runtime_version"]
        file_sha = hashlib.sha256(Path(r["model"]).read_bytes()).hexdigest()
        assert r["model_sha256"] == r["sidecar_sha256"] == file_sha
        assert r["input"] == f"{SIZE}x{SIZE}"
        assert "before" in r and "after" in r
    rec = doc["recommendation"]
    assert rec["runtime"] in context.installed_runtimes()
    assert rec["frame_p50_ms"] == min(r["stages"]["frame"]["p50"] for r in results)


def test_table_png_and_summary(bench_run):
    doc, out, text = bench_run
    png = out.with_suffix(".png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "invoke p50/p90/p99/max" in text and "frame/invoke" in text
    assert f"{doc['host']['cores']} cores" in text
    assert f"runtime for the bin: {doc['recommendation']['runtime']}" in text
    assert text.count("float16") >= 2  # one table row per thread count


def test_plot_renders_a_copied_json_again(bench_run, tmp_path, capsys):
    _, out, _ = bench_run
    copied = tmp_path / "from-the-bin.json"
    shutil.copy(out, copied)
    assert main(["bench", "--plot", str(copied)]) == 0
    assert copied.with_suffix(".png").is_file()
    assert "frame/invoke" in capsys.readouterr().out


def test_without_matplotlib_the_json_is_written_and_the_png_skipped(
    models, samples, tmp_path, capsys, monkeypatch
):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    out = tmp_path / "r.json"
    args = ["bench", "--model", str(models), "--variants", "int8", "--samples", str(samples)]
    assert main([*args, "--out", str(out), "--frames", "2", "--threads", "1"]) == 0
    assert json.loads(out.read_text())["results"]
    assert not out.with_suffix(".png").exists()
    skipped = [x for x in capsys.readouterr().out.splitlines() if x.startswith("PNG skipped")]
    assert len(skipped) == 1 and "--plot" in skipped[0]


def test_sustained_mode_reports_drift_windows(models, samples, tmp_path):
    out = tmp_path / "s.json"
    args = ["bench", "--model", str(models), "--variants", "int8", "--threads", "1"]
    args += ["--samples", str(samples), "--duration", "0.5", "--out", str(out), "--no-plot"]
    assert main(args) == 0
    (r,) = json.loads(out.read_text())["results"]
    windows = r["drift"]["windows"]
    assert len(windows) >= 2
    assert [w["t_s"] for w in windows] == sorted(w["t_s"] for w in windows)
    assert sum(w["frames"] for w in windows) == r["frames"]
    assert r["seconds"] >= 0.5 and r["drift"]["last_over_first"] > 0


@pytest.mark.slow
def test_another_python_is_run_and_merged(models, samples, tmp_path):
    out = tmp_path / "m.json"
    args = ["bench", "--model", str(models), "--variants", "int8", "--threads", "1"]
    args += ["--samples", str(samples), "--frames", "2", "--out", str(out), "--no-plot"]
    assert main([*args, "--python", sys.executable]) == 0
    results = json.loads(out.read_text())["results"]
    runtimes = context.installed_runtimes()
    assert len(results) == 2 * len(runtimes)
    assert {r["environment"]["executable"] for r in results} == {sys.executable}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--variants", "int8,fp64"],
            "--variants 'int8,fp64': unknown fp64; valid: int8, fp16, fp32",
        ),
        (["--model", "/nonexistent/smartbin_int8.tflite"], "--model /nonexistent/"),
        (["--runtime", "onnx"], "--runtime 'onnx': not one of ai-edge-litert, tflite-runtime"),
        (["--threads", "0,2"], "--threads '0,2': positive integers"),
        (["--samples", "/nonexistent"], "--samples: replay folder not found: /nonexistent"),
        (["--python", "/nonexistent/python"], "--python /nonexistent/python: not an executable"),
        (["--plot", "/nonexistent.json"], "--plot /nonexistent.json: not found"),
    ],
)
def test_mistakes_are_one_line_and_exit_2(models, samples, extra, message, tmp_path, capsys):
    args = ["bench", "--model", str(models), "--samples", str(samples), *FAST]
    assert main([*args, "--out", str(tmp_path / "x.json"), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err
    assert not (tmp_path / "x.json").exists()


def test_a_named_variant_that_is_missing_is_one_line(tiny_model, samples, tmp_path, capsys):
    model = tmp_path / "smartbin_int8.tflite"
    shutil.copy(tiny_model, model)
    shutil.copy(tiny_model.with_suffix(".json"), model.with_suffix(".json"))
    args = ["bench", "--model", str(model), "--variants", "int8,fp16", "--samples", str(samples)]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: --variants fp16: {tmp_path}/smartbin_fp16.tflite not found")
    assert "\n" not in err


def test_a_runtime_missing_here_is_one_line(models, samples, capsys):
    missing = [r for r in RUNTIMES if r not in context.installed_runtimes()]
    if not missing:
        pytest.skip("both interpreter packages are installed in this Python")
    args = ["bench", "--model", str(models), "--samples", str(samples), "--runtime", missing[0]]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert f"--runtime {missing[0]}: not installed in this Python" in err and "\n" not in err


def test_variant_names_follow_the_convert_stage():
    from convert.pipeline import variant_path as convert_variant_path

    for name in ("models/smartbin_int8.tflite", "m/other.tflite", "m/a_int8_b.tflite"):
        for v in VARIANTS:
            assert variant_path(Path(name), v) == convert_variant_path(Path(name), v)


def test_percentiles_and_rates():
    s = stats.summarize([float(x) for x in range(1, 101)])
    assert (s["p50"], s["p90"], s["p99"], s["max"], s["mean"]) == (50.5, 90.1, 99.01, 100.0, 50.5)
    assert stats.fps([10.0, 30.0]) == 50.0
    assert stats.overhead([11.0, 11.0], [10.0, 10.0]) == pytest.approx(1.1)


def test_throttling_flags_are_decoded(tmp_path, monkeypatch):
    # vcgencmd exists only on a Raspberry Pi: a stand-in prints what the firmware prints
    tool = tmp_path / "vcgencmd"
    tool.write_text("#!/bin/sh\necho throttled=0x50005\n")
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    assert context.throttled() == {
        "raw": "0x50005",
        "now": ["under-voltage", "throttled"],
        "since_boot": ["under-voltage", "throttled"],
    }


@pytest.mark.slow
def test_bench_remote_over_ssh(sshd, models, samples, tmp_path):  # noqa: F811
    """bench/remote.sh against this machine's sshd, the install laid out as deploy lays it."""
    if sshd.user != "root":
        pytest.skip("needs root (the deploy tests' sshd)")
    current = tmp_path / "root" / "opt" / "smartbin" / "current"
    current.mkdir(parents=True)
    (current / "device").symlink_to(REPO / "device")
    (current / "venv").symlink_to(Path(sys.prefix))
    calls = tmp_path / "systemctl.log"
    systemctl = tmp_path / "systemctl"
    systemctl.write_text(f'#!/bin/sh\necho "$*" >> {calls}\n[ "$1" != is-active ] || echo active\n')
    systemctl.chmod(0o755)
    work = tmp_path / "workstation"
    work.mkdir()
    env = os.environ | {
        "MODEL": str(models),
        "SAMPLES": str(samples),
        "PY": sys.executable,
        "SSH_OPTS": sshd.ssh_opts,
        "SUDO": "",
        "DEPLOY_ROOT": str(tmp_path / "root"),
        "SYSTEMCTL": str(systemctl),
        "BENCH_DIR": str(tmp_path / "on-the-bin"),
        "BENCH_ARGS": "--frames 2 --warmup 1 --threads 1",
    }
    proc = subprocess.run(
        [REPO / "bench" / "remote.sh", sshd.pi], cwd=work, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    (json_path,) = (work / "bench" / "results").glob("*.json")
    assert json_path.with_suffix(".png").is_file()
    doc = json.loads(json_path.read_text())
    assert {r["variant"] for r in doc["results"]} == set(QUANTIZATION.values())
    assert "frame/invoke" in proc.stdout
    assert calls.read_text().split("\n")[:3] == [
        "is-active smartbin.service",
        "stop smartbin.service",
        "start smartbin.service",
    ]
