#!/usr/bin/env python3
"""Development time: kills Strata with SIGKILL at random moments while it writes, and
checks what it leaves (docs/reliability.md reports the figures).

    scripts/kill-test.py [--points 200] [--seed 1] [--json report.json]

Four kinds of write, a quarter of the points each:
  convert     `strata convert` of two different checkpoints into one folder, in turn: the
              folder is absent, or equal file for file to one of the two whole conversions.
  checkpoint  `strata train judge --save-every 1`: the run resumes (exit 0), never from an
              earlier step than the last resume before the kill.
  outputs     `strata edit --out DIR` with two seed sets in turn: DIR's edit.json is one of
              the two runs', and every file it names is there and reads as a PNG.
  autosave    the editor in tmux, typing into the subject: session.json reads, names files
              that are there and read, and holds the original text plus a prefix of what
              was typed.
A point counts when the process was still running when it was killed; `mid_write` counts
the kills that fell inside a save (its staging folder was left behind). Needs tmux and
Pillow; run on an otherwise idle machine or expect it to take longer.
"""
import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

from PIL import Image

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BIN = os.path.join(ROOT, ".build/release/strata")
FIXTURE = os.path.join(ROOT, "Tests/StrataModelsTests/Fixtures/models/single_file")
EXAMPLE = os.path.join(ROOT, "Assets/examples/blue-dog-meadow.png")


def run_and_kill(cmd, delay, env=None):
    """Starts cmd, kills it with SIGKILL after `delay` seconds; True when it was killed."""
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        p.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGKILL)
        p.wait()
        return True


def timed(cmd, env=None):
    t = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {r.stderr}")
    return time.time() - t


def hashes(folder):
    out = {}
    for base, _, files in os.walk(folder):
        for f in files:
            p = os.path.join(base, f)
            out[os.path.relpath(p, folder)] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    return out


def leftovers(folder):
    parent, name = os.path.split(folder.rstrip("/"))
    return [n for n in os.listdir(parent) if n.startswith("." + name + ".")]


def png_reads(path):
    try:
        with Image.open(path) as im:
            im.load()
        return True
    except Exception:
        return False


def unreadable(folder, names):
    """The first of `names` (inside `folder`) that is missing or does not read as a PNG."""
    return next((f"{n} missing or unreadable" for n in names if not png_reads(os.path.join(folder, n))), None)


def permuted_checkpoint(src, dst):
    """A second valid checkpoint: the same file with one tensor's elements reversed."""
    data = bytearray(open(src, "rb").read())
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    name, entry = next((k, v) for k, v in sorted(header.items())
                       if k != "__metadata__" and "model.diffusion_model" in k and v["shape"] and v["shape"][0] > 1)
    size = {"F16": 2, "BF16": 2, "F32": 4}[entry["dtype"]]
    a, b = entry["data_offsets"]
    start = 8 + n
    chunk = data[start + a:start + b]
    elems = [chunk[i:i + size] for i in range(0, len(chunk), size)]
    data[start + a:start + b] = b"".join(reversed(elems))
    open(dst, "wb").write(data)


def convert_points(work, count, rng, report):
    a = os.path.join(FIXTURE, "tiny-sd-v1.safetensors")
    b = os.path.join(work, "tiny-b.safetensors")
    permuted_checkpoint(a, b)
    config = os.path.join(FIXTURE, "config")
    refs, seconds = [], 0
    for i, ckpt in enumerate([a, b]):
        out = os.path.join(work, f"ref-{i}")
        seconds = max(seconds, timed([BIN, "convert", ckpt, out, "--config", config]))
        refs.append(hashes(out))
    assert refs[0] != refs[1]
    target = os.path.join(work, "model")
    killed = failures = mid = 0
    completed_once = False
    while killed < count:
        ckpt = [a, b][killed % 2]
        if run_and_kill([BIN, "convert", ckpt, target, "--config", config], rng.uniform(0, seconds * 1.1)):
            killed += 1
            mid += bool(leftovers(target))
        else:
            completed_once = True
        if os.path.exists(target):
            if hashes(target) not in refs:
                failures += 1
                report["failures"].append(f"convert: {target} is a mix after kill {killed}")
        elif completed_once:
            failures += 1
            report["failures"].append(f"convert: {target} vanished after kill {killed}")
    timed([BIN, "convert", a, target, "--config", config])
    if leftovers(target):
        failures += 1
        report["failures"].append(f"convert: left beside the folder after a whole run: {leftovers(target)}")
    report["convert"] = {"kills": killed, "mid_write": mid, "failures": failures}


def checkpoint_points(work, count, rng, report):
    run = os.path.join(work, "judge-run")
    cmd = lambda steps: [BIN, "train", "judge", "--run", run, "--steps", str(steps), "--batch", "4", "--save-every", "1", "--threads", "1"]
    seconds = timed(cmd(20))
    shutil.rmtree(run)
    timed(cmd(1))
    killed = failures = mid = 0
    last = 0
    while killed < count:
        if run_and_kill(cmd(last + 400), rng.uniform(0, seconds * 1.5)):
            killed += 1
            mid += bool(leftovers(os.path.join(run, "checkpoint")))
        # Resumed with a goal it has passed: it trains nothing, and says where it is.
        r = subprocess.run(cmd(1), capture_output=True, text=True)
        step = None
        for line in (r.stdout + r.stderr + open(os.path.join(run, "log.txt")).read()).splitlines()[::-1]:
            if "resuming judge training at step " in line or "training goes on at step " in line:
                step = int(line.split(" at step ")[1].split()[0])
                break
        if r.returncode != 0 or step is None or step < last:
            failures += 1
            report["failures"].append(f"checkpoint: after kill {killed} the run did not resume ({r.returncode}, step {step}, before {last}): {r.stderr.strip()[-200:]}")
        else:
            last = step
    report["checkpoint"] = {"kills": killed, "mid_write": mid, "failures": failures, "last_step": last}


def outputs_points(work, count, rng, report):
    out = os.path.join(work, "edit-out")
    cmd = lambda seeds: [BIN, "edit", EXAMPLE, "--subject", "a dog jumping", "--background", "in a forest", "--method", "txt2img",
                         "--preset", "quick", "--seeds", seeds, "--out", out, "--threads", "1", "--quiet"]
    seconds = timed(cmd("1,2"))
    shutil.rmtree(out)
    seed_sets = ["1,2", "3,4"]
    killed = failures = mid = 0
    while killed < count:
        seeds = seed_sets[killed % 2]
        if run_and_kill(cmd(seeds), rng.uniform(0, seconds * 1.1)):
            killed += 1
            mid += bool(leftovers(out))
        record = os.path.join(out, "edit.json")
        if not os.path.exists(out):
            continue
        problem = None
        try:
            doc = json.load(open(record))
            seeds_written = ",".join(str(s) for s in doc["settings"]["seeds"])
            if seeds_written not in seed_sets:
                problem = f"seeds {seeds_written}"
            names = [f for n in doc["results"] for f in [n, n.replace(".png", ".mask.png"), n.replace(".png", ".subject.png")]]
            problem = problem or unreadable(out, names + ["reference.png"])
        except Exception as e:
            problem = f"edit.json: {e}"
        if problem:
            failures += 1
            report["failures"].append(f"outputs: after kill {killed}: {problem}")
    report["outputs"] = {"kills": killed, "mid_write": mid, "failures": failures}


def tmux(name, *args):
    return subprocess.run(["tmux", "-L", name] + list(args), capture_output=True, text=True)


def autosave_points(work, count, rng, report):
    home = os.path.join(work, "home")
    os.makedirs(home, exist_ok=True)
    session = os.path.join(home, ".local/share/strata/sessions/example.strata")
    env = f"HOME={home} STRATA_ASSETS={ROOT}/Assets TERM=xterm-256color"
    typed_all = "abcdefghijklmnopqrstuvwxyz" * 4
    killed = failures = mid = 0
    original = None
    attempt = 0
    while killed < count:
        # A tmux server of its own each time: a new one under the name of one still
        # shutting down would not start.
        attempt += 1
        name = f"strata-kill-{os.getpid()}-{attempt}"
        tmux(name, "-f", "/dev/null", "new-session", "-d", "-s", name, "-x", "100", "-y", "30", f"{env} {BIN} --threads 1; sleep 5")
        lock = os.path.join(session, ".lock")
        pid = None
        for _ in range(1200):  # up to 2 minutes on a loaded machine
            screen = tmux(name, "capture-pane", "-p", "-t", name).stdout
            if "Parameters" in screen and os.path.exists(lock) and os.path.exists(os.path.join(session, "session.json")):
                pid = open(lock).read().strip()
                if pid:
                    break
            time.sleep(0.1)
        if not pid:
            report["failures"].append("autosave: the editor did not open")
            tmux(name, "kill-server")
            failures += 1
            break
        if original is None:
            original = json.load(open(os.path.join(session, "session.json")))["subject_text"]
        tmux(name, "send-keys", "-t", name, "Tab", "Tab", "Tab")
        # Bursts of typing with pauses longer than the autosave's (0.6 s), then a kill
        # around the moment the last pause's save starts.
        deadline = time.time() + rng.uniform(0.2, 4.0)
        k = 0
        while time.time() < deadline:
            tmux(name, "send-keys", "-t", name, "-l", typed_all[k % len(typed_all)])
            k += 1
            time.sleep(rng.choice([rng.uniform(0.0, 0.2), rng.uniform(0.5, 1.0)]))
        time.sleep(rng.uniform(0.5, 0.9))
        try:
            os.kill(int(pid), signal.SIGKILL)
            killed += 1
            mid += bool(leftovers(session))
        except ProcessLookupError:
            pass
        time.sleep(0.2)
        tmux(name, "kill-server")
        problem = None
        try:
            doc = json.load(open(os.path.join(session, "session.json")))
            text = doc["subject_text"]
            if not text.startswith(original.rstrip()):
                problem = f"subject text {text!r}"
            problem = problem or unreadable(session, [doc["source"], doc["mask"]] + doc.get("results", []))
        except Exception as e:
            problem = f"session.json: {e}"
        if problem:
            failures += 1
            report["failures"].append(f"autosave: after kill {killed}: {problem}")
        original = None if problem else json.load(open(os.path.join(session, "session.json")))["subject_text"]
    report["autosave"] = {"kills": killed, "mid_write": mid, "failures": failures}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--points", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", choices=["convert", "checkpoint", "outputs", "autosave"])
    ap.add_argument("--json")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    report = {"failures": []}
    work = tempfile.mkdtemp(prefix="strata-kill-")
    kinds = [("convert", convert_points), ("checkpoint", checkpoint_points), ("outputs", outputs_points), ("autosave", autosave_points)]
    if args.only:
        kinds = [k for k in kinds if k[0] == args.only]
    try:
        for name, fn in kinds:
            t = time.time()
            fn(work, args.points // len(kinds), rng, report)
            report[name]["seconds"] = round(time.time() - t, 1)
            print(f"{name}: {report[name]}", flush=True)
    finally:
        if report["failures"]:
            print(f"kept {work} for a look")
        else:
            shutil.rmtree(work, ignore_errors=True)
    report["kills"] = sum(report[k]["kills"] for k, _ in kinds if k in report)
    for f in report["failures"]:
        print("FAILED " + f)
    print(f"{report['kills']} kills, {len(report['failures'])} failures")
    if args.json:
        json.dump(report, open(args.json, "w"), indent=2)
    sys.exit(1 if report["failures"] else 0)


if __name__ == "__main__":
    main()
