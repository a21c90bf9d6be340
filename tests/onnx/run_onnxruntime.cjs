// Runs an exported model in ONNX Runtime (npm onnxruntime-node, pinned in package-lock.json) on inputs that
// `yamlnet export --outputs <input>` wrote, and compares its output with what `yamlnet predict` wrote.
// Usage: node run_onnxruntime.cjs MODEL.onnx EXPECTED.npy NAME=INPUT.npy[:int32]... [--output NAME]
// Prints the largest difference; exits 1 when one exceeds 1e-5 (absolute, plus 1e-5 relative).
"use strict";
const fs = require("fs");
const ort = require("onnxruntime-node");
ort.env.logLevel = "error";  // not its notes about initializers it folds away

function readNpy(path) {
  const bytes = fs.readFileSync(path);
  if (bytes.toString("latin1", 1, 6) !== "NUMPY") throw new Error(path + ": not an .npy file");
  const major = bytes[6];
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLength;
  const header = bytes.toString("latin1", major === 1 ? 10 : 12, start);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(",").filter((s) => s.trim()).map(Number);
  if (/True/.test(/'fortran_order':\s*(\w+)/.exec(header)[1])) throw new Error(path + ": Fortran order");
  const data = bytes.subarray(start);
  const copy = new Uint8Array(data).buffer;  // aligned
  const arrays = { "<f4": Float32Array, "<f8": Float64Array, "<i4": Int32Array, "<i8": BigInt64Array };
  if (!arrays[descr]) throw new Error(path + ": dtype " + descr);
  return { shape, values: new arrays[descr](copy) };
}

async function main() {
  const [modelPath, expectedPath, ...rest] = process.argv.slice(2);
  const inputs = [];
  let outputName = null;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === "--output") { outputName = rest[++i]; continue; }
    const [name, spec] = rest[i].split("=");
    const [path, type] = spec.split(":");
    inputs.push({ name, type: type || "float32", array: readNpy(path) });
  }
  const expected = readNpy(expectedPath);
  const session = await ort.InferenceSession.create(modelPath);
  outputName = outputName || session.outputNames[0];
  const rows = expected.shape[0];
  const width = expected.values.length / rows;
  const chunk = 512;
  let worst = 0, worstAt = -1, failures = 0, low = Infinity, high = -Infinity;
  for (let begin = 0; begin < rows; begin += chunk) {
    const count = Math.min(chunk, rows - begin);
    const feeds = {};
    for (const input of inputs) {
      const perRow = input.array.values.length / input.array.shape[0];
      const slice = input.array.values.subarray(begin * perRow, (begin + count) * perRow);
      const values = input.type === "int32" ? Int32Array.from(slice, Number) : Float32Array.from(slice, Number);
      const dims = [count, ...input.array.shape.slice(1)];
      feeds[input.name] = new ort.Tensor(input.type, values, dims);
    }
    const result = (await session.run(feeds))[outputName];
    if (result.data.length !== count * width) throw new Error("output " + outputName + " has " + result.data.length + " values for " + count + " rows, not " + count * width);
    for (let k = 0; k < result.data.length; k++) {
      const want = expected.values[begin * width + k], got = result.data[k];
      const difference = Math.abs(got - want);
      low = Math.min(low, want);
      high = Math.max(high, want);
      if (!(difference <= 1e-5 + 1e-5 * Math.abs(want))) failures++;
      if (!(difference <= worst)) { worst = difference; worstAt = begin * width + k; }
    }
  }
  console.log(`${modelPath}: ${rows} rows x ${width}, outputs in [${low.toPrecision(4)}, ${high.toPrecision(4)}], ` +
              `largest difference ${worst.toExponential(2)} (value ${worstAt}), ${failures} beyond 1e-5`);
  process.exit(failures === 0 && rows > 0 ? 0 : 1);
}

main().catch((e) => { console.error(e.message || e); process.exit(1); });
