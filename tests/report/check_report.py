#!/usr/bin/python3
"""`yamlnet report` in a real browser: Debian's Chromium, headless, loads reports from disk and the DOM it
built is checked (curves, run rows, layer graph, weight strips present; the page's script ran; no console
message, no script error), with a screenshot. The report of a 200-trial sweep is held to 5 MB; its render
time (performance.now() when the page's script ends) is printed, not asserted.

Usage: check_report.py YAMLNET_BINARY OUTPUT_FOLDER
"""
import html.parser
import json
import os
import subprocess
import sys
import tempfile

YAMLNET, OUT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
CHROMIUM = "/usr/bin/chromium"
# The flags a root user on a closed network needs (no sandbox; no background connections to Google's hosts).
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0"]


class Dom(html.parser.HTMLParser):
    """Counts elements by tag and class, and keeps the attributes of <html> and <body>."""

    def __init__(self):
        super().__init__()
        self.counts, self.root, self.body, self.links = {}, {}, {}, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for cls in (a.get("class") or "").split() or [""]:
            key = tag + ("." + cls if cls else "")
            self.counts[key] = self.counts.get(key, 0) + 1
        if tag == "html":
            self.root = a
        if tag == "body":
            self.body = a
        for name in ("src", "href"):
            if a.get(name):
                self.links.append(a[name])


def yamlnet(*args, cwd):
    done = subprocess.run([YAMLNET, *args], cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"yamlnet {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def load(page, profile, screenshot):
    url = "file://" + os.path.abspath(page)
    dumped = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
                            capture_output=True, text=True, timeout=120)
    console = [l for l in dumped.stderr.splitlines() if ":CONSOLE" in l]
    assert not console, f"{page}: console messages:\n" + "\n".join(console)
    dom = Dom()
    dom.feed(dumped.stdout)
    shot = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--window-size=1400,2000",
                           f"--screenshot={screenshot}", url], capture_output=True, text=True, timeout=120)
    assert shot.returncode == 0 and os.path.getsize(screenshot) > 10000, f"{page}: no screenshot"
    with open(screenshot, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n", f"{screenshot} is not a PNG"
    assert dom.root.get("data-errors") == "0", f"{page}: script errors: {dom.root.get('data-errors')}"
    assert dom.body.get("data-rendered") == "1", f"{page}: the page's script did not run to its end"
    # Self-contained: nothing is fetched (no src or href to anywhere).
    assert not dom.links, f"{page}: links to outside files: {dom.links[:3]}"
    return dom


def main():
    os.makedirs(OUT, exist_ok=True)
    work = tempfile.mkdtemp(prefix="yamlnet-report-")
    rows = ["a,b,label"] + [f"{(r % 7) / 3 - 1:.4f},{(r % 5) / 2 - 1:.4f},{int((r % 7) / 3 > (r % 5) / 2)}"
                            for r in range(80)]
    for name, part in (("train.csv", rows[:61]), ("test.csv", rows[:1] + rows[61:])):
        with open(os.path.join(work, name), "w") as f:
            f.write("\n".join(part) + "\n")
    with open(os.path.join(work, "tiny.yaml"), "w") as f:
        f.write("name: tiny\nseed: 3\ninputs:\n  x: {shape: [2]}\nlayers:\n"
                "  - {name: hidden, type: Dense, units: 4, activation: relu}\n"
                "  - {name: out, type: Dense, units: 1, activation: sigmoid}\n"
                "compile: {optimizer: adam, loss: binary_crossentropy, metrics: [accuracy]}\n"
                "data:\n  type: csv\n  columns: {x: [a, b], out: [label]}\n  train: train.csv\n  test: test.csv\n"
                "fit: {epochs: 3, batch_size: 8, validation_split: 0.25, verbose: 0}\n")
    registry = ["--registry", "reg.sqlite"]

    # Two runs of one model: every tensor gets a strip.
    a = json.loads(yamlnet("train", "tiny.yaml", "--json", *registry, cwd=work))["run_id"]
    b = json.loads(yamlnet("train", "tiny.yaml", "--json", "--set", "seed=4", *registry, cwd=work))["run_id"]
    small = os.path.join(OUT, "report_two_runs.html")
    yamlnet("report", a, b, "-o", small, *registry, cwd=work)
    dom = load(small, os.path.join(work, "profile"), os.path.join(OUT, "report_two_runs.png"))
    assert dom.counts.get("tr.run") == 2, dom.counts
    assert dom.counts.get("svg.curve") == 4, dom.counts  # loss, accuracy, val_loss, val_accuracy
    assert dom.counts.get("polyline.run") == 8, dom.counts  # each run in each chart
    assert dom.counts.get("svg.graph") == 1 and dom.counts.get("g.layer") == 3, dom.counts
    assert dom.counts.get("svg.strip") == 4, dom.counts  # hidden and out: kernel and bias
    assert dom.counts.get("th.key") == 1, dom.counts  # seed is the one difference

    # A 200-trial sweep: one report of all of it.
    yamlnet("sweep", "tiny.yaml", "--random", "layers.hidden.units=int(2,8)", "--random",
            "compile.optimizer.learning_rate=log(1e-3,1e-1)", "-n", "200", "--parallel", "2", "--json", *registry,
            cwd=work)
    big = os.path.join(OUT, "report_sweep_200.html")
    yamlnet("report", "--sweep", "last", "-o", big, *registry, cwd=work)
    size = os.path.getsize(big)
    assert size < 5 * 1024 * 1024, f"{big}: {size} bytes, over 5 MB"
    dom = load(big, os.path.join(work, "profile"), os.path.join(OUT, "report_sweep_200.png"))
    assert dom.counts.get("tr.run") == 200, dom.counts
    assert dom.counts.get("svg.curve") == 4, dom.counts
    assert dom.counts.get("polyline.run") == 800, dom.counts
    # Trials differ in the hidden layer's width: one drawing per width drawn.
    runs = json.loads(yamlnet("runs", "--json", "--sweep", json.loads(yamlnet("runs", "--json", "--limit", "1",
                                                                             *registry, cwd=work))[0]["sweep_id"],
                              *registry, cwd=work))
    widths = {o for r in runs for o in r["overrides"] if o.startswith("layers.hidden.units=")}
    assert len(runs) == 200, len(runs)
    assert dom.counts.get("svg.graph") == len(widths), (dom.counts, widths)
    print(f"report of 200 runs: {size / 1e6:.2f} MB, script done {dom.body.get('data-render-ms')} ms after "
          f"navigation start; screenshots in {OUT}")


main()
