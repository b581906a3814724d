# smartbin — one Makefile for the workstation, the demo and the bin.
# `make demo` and `make test` create the virtual environment themselves.

PYTHON  ?= python3
VENV    ?= .venv
PY      := $(VENV)/bin/python
DATA    ?= ../shared/data/trashnet
WEIGHTS ?= ../shared/weights/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5
PRESET  ?= default
NAME    ?= $(PRESET)
RUN     ?= runs/$(NAME)
MODEL   ?= models/smartbin_int8.tflite
PI      ?=

.PHONY: help venv venv-device demo test test-fast lint train convert samples bench bench-remote \
        deploy status logs undeploy servo-test pi-check clean score

help:
	@echo "make demo                 run the bin's loop on the bundled model and sample photos (simulated camera and servos)"
	@echo "make test                 run every test (creates .venv)"
	@echo "make test-fast            skip the slow end-to-end tests"
	@echo "make train [PRESET=default|paper] [DATA=dir] [NAME=run] [TRAIN_ARGS=...]  train a model into runs/NAME"
	@echo "make convert RUN=runs/NAME [MODEL=models/x.tflite]        int8 TFLite + sidecar + verification"
	@echo "make score [MODEL=...] [SPLIT=val|test]  score a converted model again, also on other backdrops"
	@echo "make samples              the demo's photos, drawn from the model's test split"
	@echo "make bench                latency benchmark of the device runtime on this machine"
	@echo "make bench-remote PI=...  the same on the bin, results copied back"
	@echo "make deploy PI=pi@host    install/upgrade the service on the bin (also status, logs, undeploy, servo-test)"
	@echo "make pi-check             the device demo on an emulated arm64 Bookworm userland"

# Device-only environment (what the bin runs); the full one adds training and tests.
$(VENV)/.device-stamp: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[device]'
	touch $@

$(VENV)/.full-stamp: pyproject.toml $(VENV)/.device-stamp
	$(PY) -m pip install -q -e '.[device,train,dev]'
	touch $@

venv-device: $(VENV)/.device-stamp
venv: $(VENV)/.full-stamp

demo: venv-device
	$(PY) -m device demo

test: venv
	$(PY) -m pytest

test-fast: venv
	$(PY) -m pytest -m "not slow"

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

train: venv
	$(PY) -m train --data $(DATA) --out $(RUN) --preset $(PRESET) --weights $(WEIGHTS) $(TRAIN_ARGS)

VARIANTS ?= int8

convert: venv
	$(PY) -m convert $(RUN) --out $(MODEL) --variants $(VARIANTS)

SPLIT ?= val

score: venv
	$(PY) -m convert.score $(MODEL) --split $(SPLIT)

# The demo's photos: a few per class from the shipped model's test split, downsized.
samples: venv
	$(PY) -m convert.samples $(MODEL:.tflite=.split.csv) --data $(DATA) --out models/samples

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# ---- The bin: install, watch and remove the service over SSH (deploy/, systemd/; README "Deploy to the bin")
# PI="pi@bin1 pi@bin2" for several bins. SSH_OPTS: extra ssh options (-p PORT -i KEY ...).
# SUDO: how to become root there (empty when PI is root@...). PURGE=1: undeploy also removes the
# state, logs, config and service user. SERVO_ARGS: options for `python -m device servo-test`.
SSH_OPTS ?=
SUDO     ?= sudo -n
PURGE    ?=
SERVO_ARGS ?=
BIN_ENV   = MODEL='$(MODEL)' SSH_OPTS='$(SSH_OPTS)' SUDO='$(SUDO)' PURGE='$(PURGE)' SERVO_ARGS='$(SERVO_ARGS)'

deploy:
	@$(BIN_ENV) deploy/deploy.sh $(PI)

status logs undeploy servo-test:
	@$(BIN_ENV) deploy/bins.sh $@ $(PI)

# ---- pi-check: the device demo on an emulated arm64 Bookworm userland (pi/; README "Verified where")
# LIMIT: how many sample photos to sort (emulation is slow). PI_RUNTIME=tflite-runtime==2.14.0 (or
# ai-edge-litert==X) checks that runtime in place of the pinned one. The root is cached in .cache/.
SAMPLES    ?= models/samples
LIMIT      ?= 5
PI_RUNTIME ?=

pi-check: venv-device
	@MODEL='$(MODEL)' SAMPLES='$(SAMPLES)' LIMIT='$(LIMIT)' PI_RUNTIME='$(PI_RUNTIME)' PY='$(PY)' \
		pi/check.sh

# ---- bench: latency of the loop per stage, model variant, thread count and interpreter package
# (device/bench/; README "Performance"). The fp16/fp32 variants beside MODEL are included when they
# exist (make convert VARIANTS=int8,fp16,fp32). tflite-runtime 2.14 needs numpy < 2 and Python
# <= 3.11, so it runs from its own venv (built on first use with TFLITE_RUNTIME=1, then always
# included) and is merged into the same report. BENCH_ARGS: more options, e.g. "--threads 4
# --duration 600" (sustained) or "--frames 500". bench-remote runs it on the bin(s) in PI (settings
# as for deploy) and copies the JSON back into bench/results/, where the PNG is rendered.
BENCH_ARGS     ?=
TFLITE_RUNTIME ?=
TFLR_PYTHON    ?= python3.11
TFLR_VENV      := .cache/bench-tflite-runtime

$(TFLR_VENV)/bin/python:
	$(TFLR_PYTHON) -m venv $(TFLR_VENV)
	$(TFLR_VENV)/bin/pip install -q numpy==1.26.4 tflite-runtime==2.14.0 \
		opencv-python-headless==4.10.0.84 gpiozero

bench: venv $(if $(TFLITE_RUNTIME),$(TFLR_VENV)/bin/python)
	$(PY) -m device bench --model $(MODEL) --samples $(SAMPLES) \
		$$(test -x $(TFLR_VENV)/bin/python && echo --python $(TFLR_VENV)/bin/python) $(BENCH_ARGS)

bench-remote: venv
	@MODEL='$(MODEL)' SAMPLES='$(SAMPLES)' SSH_OPTS='$(SSH_OPTS)' SUDO='$(SUDO)' \
		BENCH_ARGS='$(BENCH_ARGS)' PY='$(PY)' bench/remote.sh $(PI)
