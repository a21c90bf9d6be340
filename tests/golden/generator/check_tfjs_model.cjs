#!/usr/bin/env node
'use strict';
// Loads a TF.js Layers model folder written by `yamlnet export-keras --format tfjs` with TF.js's own
// loadLayersModel, predicts the case's inputs and compares with yamlnet's outputs.
//   node check_tfjs_model.cjs MODEL_DIR CASE.json
// CASE.json: {inputs: [{shape, data}], outputs: [{shape, data}]} (flat row-major data). Exit 0 when every
// value agrees within 1e-6 relative (of max(1, |yamlnet's value|)), 1 otherwise, 2 on a load failure, 3 when
// the model holds a layer stock TF.js lacks (named on stdout).
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');

async function load(dir) {
  const modelJson = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const weightSpecs = modelJson.weightsManifest.flatMap((group) => group.weights);
  const shards = modelJson.weightsManifest.flatMap((group) => group.paths.map((p) => fs.readFileSync(path.join(dir, p))));
  const bytes = Buffer.concat(shards);
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData }));
}

// What stock TF.js cannot run, by layer: reported and skipped (exit 3), never silently compared.
function unsupported(modelJson) {
  const found = [];
  const visit = (layer) => {
    if (layer.class_name === 'GRU' && layer.config.reset_after) found.push(`${layer.config.name} (GRU with reset_after)`);
    if (layer.config && layer.config.layer) visit(layer.config.layer);
  };
  modelJson.modelTopology.config.layers.forEach(visit);
  return found;
}

async function main([dir, casePath]) {
  await tf.setBackend('cpu');
  const lacking = unsupported(JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')));
  if (lacking.length > 0) {
    console.log(`TF.js lacks: ${lacking.join(', ')}`);
    return 3;
  }
  const model = await load(dir);
  const testCase = JSON.parse(fs.readFileSync(casePath, 'utf8'));
  const inputs = model.inputs.map((input, i) => tf.tensor(testCase.inputs[i].data, testCase.inputs[i].shape, input.dtype));
  const predicted = model.predict(inputs.length === 1 ? inputs[0] : inputs);
  const outputs = Array.isArray(predicted) ? predicted : [predicted];
  let failures = 0;
  outputs.forEach((output, k) => {
    const got = output.dataSync();
    const want = testCase.outputs[k].data;
    if (got.length !== want.length) {
      console.log(`output ${k}: TF.js has ${got.length} values, yamlnet ${want.length}`);
      failures += 1;
      return;
    }
    for (let i = 0; i < got.length; i += 1) {
      if (Math.abs(got[i] - want[i]) > 1e-6 * Math.max(1, Math.abs(want[i]))) {
        console.log(`output ${k}[${i}]: TF.js ${got[i]}, yamlnet ${want[i]}`);
        failures += 1;
        if (failures > 5) break;
      }
    }
  });
  return failures === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.log(`error: ${error.message}`);
    process.exit(2);
  },
);
