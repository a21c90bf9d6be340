'use strict';
// A request's `train` block as tf.keras 2's train_on_batch runs it: Keras's losses (cross-entropy on a sigmoid or
// softmax Dense from its logits, as the TF backend does), masked losses averaged over the valid steps, and
// Keras's SGD and Adam updates (tfjs's Adam places epsilon differently, so the update is written out here).
// SGD with momentum, RMSprop (not centered) and Adamax are tfjs's own optimizers, whose updates are Keras 2's
// (TF's kernels): the reference for those is an implementation other than ours. (tfjs's Adadelta reads the
// previous accumulator and its centered RMSprop subtracts epsilon, so those are not Keras's.)
const tf = require('@tensorflow/tfjs');
const { inputTensors, forward } = require('./oracle.cjs');

const EPSILON = 1e-7; // Keras's backend epsilon, used to clip probabilities

const LOSSES = {
  mse: (y, t) => tf.mean(tf.square(tf.sub(y, t)), -1),
  mean_squared_error: (y, t) => tf.mean(tf.square(tf.sub(y, t)), -1),
  mae: (y, t) => tf.mean(tf.abs(tf.sub(y, t)), -1),
  mean_absolute_error: (y, t) => tf.mean(tf.abs(tf.sub(y, t)), -1),
  binary_crossentropy: (p, t, z) => {
    if (z) return tf.mean(tf.add(tf.sub(tf.relu(z), tf.mul(z, t)), tf.log1p(tf.exp(tf.neg(tf.abs(z))))), -1);
    const q = tf.clipByValue(p, EPSILON, 1 - EPSILON);
    return tf.neg(tf.mean(tf.add(tf.mul(t, tf.log(q)), tf.mul(tf.sub(1, t), tf.log(tf.sub(1, q)))), -1));
  },
  categorical_crossentropy: (p, t, z) => {
    if (z) return tf.neg(tf.sum(tf.mul(t, tf.logSoftmax(z)), -1));
    const q = tf.clipByValue(tf.div(p, tf.sum(p, -1, true)), EPSILON, 1 - EPSILON);
    return tf.neg(tf.sum(tf.mul(t, tf.log(q)), -1));
  },
};
const FROM_LOGITS = new Set(['binary_crossentropy', 'categorical_crossentropy']);
const LOGIT_ACTIVATIONS = { binary_crossentropy: 'sigmoid', categorical_crossentropy: 'softmax' };

function lossFunction(name) {
  const loss = LOSSES[name];
  if (!loss) throw new Error(`train.loss ${name}: the generator knows ${Object.keys(LOSSES).join(', ')}`);
  return loss;
}

// Keras's updates, one entry per optimizer name: each returns step(variable, gradient, t).
const OPTIMIZERS = {
  sgd: (train) => {
    const lr = train.lr ?? 0.01;
    return (variable, gradient) => variable.assign(tf.sub(variable, tf.mul(lr, gradient)));
  },
  adam: (train) => {
    const [b1, b2, eps, lr] = [train.beta_1 ?? 0.9, train.beta_2 ?? 0.999, train.epsilon ?? 1e-7, train.lr ?? 0.001];
    const moments = new Map();
    return (variable, gradient, t) => {
      if (!moments.has(variable)) moments.set(variable, [tf.zerosLike(variable), tf.zerosLike(variable)]);
      const [m, v] = moments.get(variable);
      const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
      const m1 = tf.add(m, tf.mul(tf.sub(gradient, m), 1 - b1));
      const v1 = tf.add(v, tf.mul(tf.sub(tf.square(gradient), v), 1 - b2));
      moments.set(variable, [m1, v1]);
      variable.assign(tf.sub(variable, tf.div(tf.mul(alpha, m1), tf.add(tf.sqrt(v1), eps))));
    };
  },
};

// tfjs's optimizer as one update of every variable: tfjs keeps its slots by the variables' positions in the
// call, so all gradients go in one applyGradients.
function tfjsStep(optimizer) {
  return (variables, grads) => optimizer.applyGradients(Object.fromEntries(variables.map((v) => [v.name, grads[v.name]])));
}

// Optimizers whose update tfjs implements as Keras 2 does.
const TFJS_OPTIMIZERS = {
  sgd_momentum: (train) => tfjsStep(tf.train.momentum(train.lr ?? 0.01, train.momentum, train.nesterov ?? false)),
  rmsprop: (train) => {
    if (train.centered) throw new Error("train: tfjs's centered RMSprop is not Keras's (it subtracts epsilon)");
    return tfjsStep(tf.train.rmsprop(train.lr ?? 0.001, train.rho ?? 0.9, train.momentum ?? 0, train.epsilon ?? 1e-7));
  },
  adamax: (train) =>
    tfjsStep(tf.train.adamax(train.lr ?? 0.001, train.beta_1 ?? 0.9, train.beta_2 ?? 0.999, train.epsilon ?? 1e-7)),
};

// The request's optimizer as update(variables, grads, t): `sgd` with a momentum is tfjs's momentum optimizer.
function optimizerStep(spec) {
  const name = spec.optimizer === 'sgd' && (spec.momentum ?? 0) > 0 ? 'sgd_momentum' : spec.optimizer;
  if (TFJS_OPTIMIZERS[name]) return { update: TFJS_OPTIMIZERS[name](spec), impl: 'tfjs' };
  const makeStep = OPTIMIZERS[name];
  const known = [...Object.keys(OPTIMIZERS), ...Object.keys(TFJS_OPTIMIZERS)].join(', ');
  if (!makeStep) throw new Error(`train.optimizer ${spec.optimizer}: the generator knows ${known}`);
  const step = makeStep(spec);
  return {
    update: (variables, grads, t) => variables.forEach((variable) => step(variable, grads[variable.name], t)),
    impl: 'keras',
  };
}

// The output layer whose logits the loss reads, when Keras's TF backend would (a sigmoid/softmax Dense).
function logitsLayer(request, outputKey, lossName) {
  const spec = request.model.layers.find((l) => l.name === outputKey);
  const wanted = LOGIT_ACTIVATIONS[lossName];
  const usesLogits = FROM_LOGITS.has(lossName) && spec?.class_name === 'Dense' && spec.config.activation === wanted;
  return usesLogits ? spec.name : null;
}

function batchRanges(count, batchSize, steps) {
  const batches = Math.ceil(count / batchSize);
  return Array.from({ length: steps }, (_, s) => {
    const start = (s % batches) * batchSize;
    return [start, Math.min(start + batchSize, count)];
  });
}

// Runs the steps; returns the response's train fields (losses before each update, the weights after).
function train(request, built) {
  const spec = request.train;
  if (request.model.outputs.length !== 1) throw new Error('train: the generator trains single-output models');
  if (request.model.layers.some((l) => l.class_name === 'Dropout' && l.config.rate > 0)) {
    throw new Error('train: a Dropout layer makes the reference random');
  }
  const outputKey = request.model.outputs[0];
  const loss = lossFunction(spec.loss);
  const { update, impl } = optimizerStep(spec);
  const logitsOf = logitsLayer(request, outputKey, spec.loss);
  const variables = built.flatMap(({ layer }) => layer.trainableWeights.map((w) => w.read()));
  const firstInput = request.inputs[request.model.inputs[0].name];
  const batches = batchRanges(firstInput.length, spec.batch_size, spec.steps);
  const losses = [];
  batches.forEach((rows, s) => {
    const inputs = inputTensors(request, rows);
    const target = tf.tensor(spec.targets.slice(rows[0], rows[1]), undefined, 'float32');
    const { value, grads } = tf.variableGrads(() => {
      const run = forward(built, inputs, new Set(logitsOf ? [logitsOf] : []));
      const perStep = loss(run.values.get(outputKey), target, logitsOf ? run.logits.get(logitsOf) : null);
      const mask = run.masks.get(outputKey);
      if (!mask) return tf.mean(perStep);
      const weight = tf.cast(mask, 'float32');
      return tf.div(tf.sum(tf.mul(perStep, weight)), tf.sum(weight));
    }, variables);
    losses.push(value.dataSync()[0]);
    update(variables, grads, s + 1);
  });
  const trainInfo = {
    loss: spec.loss,
    loss_impl: 'keras',
    optimizer: spec.optimizer,
    optimizer_impl: impl,
    from_logits: [logitsOf !== null],
    batches,
  };
  return { trainInfo, losses };
}

module.exports = { train };
