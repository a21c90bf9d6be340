#!/usr/bin/env node
'use strict';
// Builds two models in TF.js itself, saves each as TF.js does (model.json with its own toJSON() topology and
// a weights manifest, one shard) and records its predictions, for `yamlnet import` to read back.
//   node save_tfjs_model.cjs DIR   ->  DIR/<model>/model.json, weights.bin, case.json
// case.json: {inputs: [{shape, data}], outputs: [{shape, data}]}.
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');

function mlp() {
  const model = tf.sequential({ name: 'mlp' });
  model.add(tf.layers.dense({ units: 8, activation: 'relu', inputShape: [4], name: 'hidden' }));
  model.add(tf.layers.dropout({ rate: 0.2 }));
  model.add(tf.layers.dense({ units: 3, activation: 'softmax', name: 'probabilities' }));
  return { model, inputs: [tf.randomUniform([5, 4], -1, 1, 'float32', 7)] };
}

function tagger() {
  const ids = tf.input({ shape: [6], dtype: 'int32', name: 'ids' });
  const embedded = tf.layers.embedding({ inputDim: 10, outputDim: 4, maskZero: true, name: 'emb' }).apply(ids);
  const state = tf.layers.lstm({ units: 5, name: 'lstm' }).apply(embedded);
  const score = tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'score' }).apply(state);
  const model = tf.model({ inputs: ids, outputs: score, name: 'tagger' });
  const rows = [[1, 2, 3, 0, 0, 0], [4, 0, 5, 6, 7, 8], [0, 0, 0, 0, 0, 9]];
  return { model, inputs: [tf.tensor(rows, undefined, 'int32')] };
}

const asCase = (tensors) => tensors.map((t) => ({ shape: t.shape, data: Array.from(t.dataSync()) }));

async function save(dir, { model, inputs }) {
  fs.mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const manifest = [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }];
      const modelJson = { format: 'layers-model', modelTopology: artifacts.modelTopology, weightsManifest: manifest };
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(modelJson));
      fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(artifacts.weightData));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const predicted = model.predict(inputs.length === 1 ? inputs[0] : inputs);
  const outputs = Array.isArray(predicted) ? predicted : [predicted];
  fs.writeFileSync(path.join(dir, 'case.json'), JSON.stringify({ inputs: asCase(inputs), outputs: asCase(outputs) }));
}

async function main([dir]) {
  await tf.setBackend('cpu');
  await save(path.join(dir, 'mlp'), mlp());
  await save(path.join(dir, 'tagger'), tagger());
}

main(process.argv.slice(2)).catch((error) => {
  console.log(`error: ${error.message}`);
  process.exit(2);
});
