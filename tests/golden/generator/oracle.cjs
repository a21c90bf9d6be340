'use strict';
// The Keras reference for one request (tests/golden/cases/README.md): TensorFlow.js's Keras layers on its CPU
// backend, run layer by layer on concrete tensors so that every layer's output and mask can be recorded. Where
// tfjs differs from tf.keras 2 the difference is patched here and listed in the response's `oracle.patches`.
const tf = require('@tensorflow/tfjs');
const { kerasLayer, preActivation } = require('./layers.cjs');

// A layer's outputs as a list (LSTM with return_state returns several).
const asList = (x) => (Array.isArray(x) ? x : [x]);

// Keys of a layer's outputs: its name, or name:k when it has several.
function outputKeys(name, count) {
  return count === 1 ? [name] : Array.from({ length: count }, (_, k) => `${name}:${k}`);
}

// Builds every layer of the request with its weights set (tfjs sets `weights` when the layer is first built).
function buildLayers(request) {
  const perLayer = new Map();
  for (const [key, value] of Object.entries(request.weights || {})) {
    const [layer] = key.split('/');
    if (!perLayer.has(layer)) perLayer.set(layer, []);
    perLayer.get(layer).push({ key, value });
  }
  return request.model.layers.map((spec) => {
    const weights = perLayer.get(spec.name) || [];
    return { spec, weightKeys: weights.map((w) => w.key), layer: kerasLayer(spec, weights.map((w) => w.value)) };
  });
}

function inputTensors(request, rows) {
  const tensors = new Map();
  for (const input of request.model.inputs) {
    const dtype = input.dtype === 'float32' ? 'float32' : 'int32';
    let value = request.inputs[input.name];
    if (rows) value = value.slice(rows[0], rows[1]);
    tensors.set(input.name, tf.tensor(value, undefined, dtype));
  }
  return tensors;
}

// Runs the graph on concrete inputs. `logitsOf` names layers whose pre-activation output is wanted as well
// (Keras's TF backend computes cross-entropy on a sigmoid or softmax Dense from its logits).
function forward(built, inputs, logitsOf = new Set()) {
  const values = new Map();
  const masks = new Map();
  for (const [name, tensor] of inputs) {
    values.set(name, tensor);
    masks.set(name, null);
  }
  const logits = new Map();
  const records = [];
  for (const { spec, layer } of built) {
    const inbound = asList(spec.inbound);
    const xs = inbound.map((key) => values.get(key));
    const ms = inbound.map((key) => masks.get(key));
    if (xs.some((x) => x === undefined)) throw new Error(`layer ${spec.name}: unknown inbound ${inbound}`);
    const x = xs.length === 1 ? xs[0] : xs;
    const m = ms.length === 1 ? ms[0] : ms.every((v) => v === null) ? null : ms;
    const kwargs = m === null ? {} : { mask: m };
    const outputs = asList(layer.apply(x, kwargs));
    const outMasks = asList(layer.computeMask(x, m === null ? undefined : m) ?? null);
    if (logitsOf.has(spec.name)) logits.set(spec.name, preActivation(layer, x, kwargs));
    const keys = outputKeys(spec.name, outputs.length);
    keys.forEach((key, k) => {
      values.set(key, outputs[k]);
      masks.set(key, outMasks[k] ?? null);
      records.push(key);
    });
    if (keys.length > 1) masks.set(spec.name, masks.get(keys[0]));
    if (keys.length > 1) values.set(spec.name, outputs[0]);
  }
  return { values, masks, logits, records };
}

module.exports = { buildLayers, inputTensors, forward, outputKeys };
