#!/usr/bin/env node
'use strict';
// Writes the Keras reference response for each request, or checks that the stored responses are what the
// oracle computes today.
//   node generate.cjs CASE.req.json...   writes CASE.res.json beside each request
//   node generate.cjs --check DIR        recomputes every DIR/*.req.json and compares it with DIR/*.res.json
const fs = require('fs');
const path = require('path');
const tf = requireTfjs();
const { buildLayers, inputTensors, forward } = require('./oracle.cjs');
const { patchesFor, setKerasVersion } = require('./layers.cjs');
const { train } = require('./train.cjs');
const { formatResponse, compareResponses } = require('./format.cjs');

function requireTfjs() {
  try {
    return require('@tensorflow/tfjs');
  } catch (error) {
    console.error(`error: ${error.message.split('\n')[0]}; install the pinned TensorFlow.js with`);
    console.error(`  npm ci --prefix ${__dirname}`);
    process.exit(2);
  }
}

// Nested arrays of a tensor's values; masks as booleans.
const toNested = (tensor) => (tensor.dtype === 'bool' ? tensor.arraySync().map(boolRows) : tensor.arraySync());
const boolRows = (x) => (Array.isArray(x) ? x.map(boolRows) : Boolean(x));

function record(keys, values, masks) {
  const outputs = {};
  const outputMasks = {};
  for (const key of keys) {
    outputs[key] = toNested(values.get(key));
    if (masks.get(key)) outputMasks[key] = toNested(masks.get(key));
  }
  return { outputs, outputMasks };
}

// A request whose model is Keras's own model.to_json() (keras3_format_dense) as the oracle's layer list:
// InputLayers become inputs, each layer's first call its inbound, and the Keras version follows the format
// (Keras 3 writes `module`) unless the request says otherwise.
function fromKerasJson(request) {
  const model = request.model;
  const config = model.config;
  const inputs = [];
  const layers = [];
  for (const layer of config.layers) {
    const c = layer.config;
    if (layer.class_name === 'InputLayer') {
      inputs.push({ name: c.name, shape: (c.batch_shape ?? c.batch_input_shape).slice(1), dtype: c.dtype });
      continue;
    }
    const call = layer.inbound_nodes[0];
    const tensors = Array.isArray(call) ? call : call.args.flat();
    const inbound = tensors.map((t) => {
      const [name, , index] = Array.isArray(t) ? t : t.config.keras_history;
      return index ? `${name}:${index}` : name;
    });
    const { name, trainable, dtype, ...rest } = c;
    // The weights are given and the forward pass ignores regularizers: Keras 3's wrapped objects are left out.
    const forward = Object.fromEntries(
      Object.entries(rest).filter(([key]) => !/_(initializer|regularizer|constraint)$/.test(key)),
    );
    layers.push({ class_name: layer.class_name, name, config: forward, inbound: inbound.length === 1 ? inbound[0] : inbound });
  }
  const outputs = Array.isArray(config.output_layers[0]) ? config.output_layers : [config.output_layers];
  const keras_version = request.options?.keras_version ?? ('module' in model ? '3' : '2');
  return {
    ...request,
    model: { inputs, layers, outputs: outputs.map((o) => o[0]) },
    options: { ...(request.options || {}), keras_version },
    notes: [`model given in Keras ${keras_version} format; converted to Keras 2 functional format`],
  };
}

function respond(original) {
  const request = original.model.class_name ? fromKerasJson(original) : original;
  const options = request.options || {};
  const kerasVersion = String(options.keras_version ?? '2');
  setKerasVersion(kerasVersion);
  const built = buildLayers(request);
  const response = {
    oracle: {
      tfjs_version: tf.version.tfjs,
      tfjs_core_version: tf.version['tfjs-core'],
      backend: tf.getBackend(),
      engine: 'keras',
      keras_version: kerasVersion,
      patches: patchesFor(kerasVersion),
    },
  };
  const outputKeys = request.model.outputs;
  const run = forward(built, inputTensors(request));
  if (request.notes) response.notes = request.notes;
  const outputs = record(outputKeys, run.values, run.masks);
  response.outputs = outputs.outputs;
  response.output_order = outputKeys;
  if (Object.keys(outputs.outputMasks).length > 0) response.output_masks = outputs.outputMasks;
  if (options.all_layers) {
    const layers = record(run.records, run.values, run.masks);
    response.layer_outputs = layers.outputs;
    if (Object.keys(layers.outputMasks).length > 0) response.layer_masks = layers.outputMasks;
  }
  if (request.train) {
    const { trainInfo, losses } = train(request, built);
    response.train = trainInfo;
    response.losses = losses;
    response.weights_after = {};
    built.forEach(({ layer, weightKeys }) => {
      layer.getWeights().forEach((w, i) => (response.weights_after[weightKeys[i]] = w.arraySync()));
    });
    response.outputs_after_train = record(outputKeys, forward(built, inputTensors(request)).values, new Map()).outputs;
  }
  return response;
}

function check(dir) {
  const requests = fs.readdirSync(dir).filter((f) => f.endsWith('.req.json')).sort();
  if (requests.length === 0) throw new Error(`${dir}: no *.req.json requests`);
  let failures = 0;
  for (const file of requests) {
    const name = file.slice(0, -'.req.json'.length);
    const request = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    const stored = JSON.parse(fs.readFileSync(path.join(dir, `${name}.res.json`), 'utf8'));
    const problems = compareResponses(JSON.parse(formatResponse(respond(request))), stored);
    console.log(`${problems.length === 0 ? 'ok  ' : 'FAIL'} ${name}`);
    for (const problem of problems.slice(0, 5)) console.log(`     ${problem}`);
    if (problems.length > 0) failures += 1;
  }
  console.log(`${requests.length - failures}/${requests.length} cases match the oracle`);
  return failures === 0;
}

async function main(args) {
  await tf.setBackend('cpu');
  if (args[0] === '--check') {
    if (args.length !== 2) throw new Error('usage: generate.cjs --check DIR');
    return check(args[1]);
  }
  if (args.length === 0) throw new Error('usage: generate.cjs CASE.req.json... | --check DIR');
  for (const file of args) {
    if (!file.endsWith('.req.json')) throw new Error(`${file}: a request is named NAME.req.json`);
    const request = JSON.parse(fs.readFileSync(file, 'utf8'));
    const target = file.slice(0, -'.req.json'.length) + '.res.json';
    const temporary = `${target}.tmp`;
    fs.writeFileSync(temporary, formatResponse(respond(request)));
    fs.renameSync(temporary, target);
    console.log(`wrote ${target}`);
  }
  return true;
}

main(process.argv.slice(2)).then(
  (ok) => process.exit(ok ? 0 : 1),
  (error) => {
    console.error(`error: ${error.message}`);
    process.exit(2);
  },
);
