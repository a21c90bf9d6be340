'use strict';
// Keras layer specs (class_name + snake_case config) as TensorFlow.js layers, with tf.keras 2's defaults where
// tfjs's differ, and the three patches tfjs needs to compute what tf.keras 2 computes.
const tf = require('@tensorflow/tfjs');

const PATCHES = [
  "activation 'exponential' registered (missing in tfjs)",
  'GRU/GRUCell replaced: adds reset_after=true (Keras default); reset_after=false runs the stock tfjs cell',
  'GlobalAveragePooling1D replaced: masked mean like Keras (stock tfjs ignores the mask)',
];
const KERAS3_PATCHES = [
  'keras_version=3: hard_sigmoid = relu6(x+3)/6',
  'keras_version=3: Concatenate mask = any(...) (Keras 3) instead of all(...) (Keras 2/tfjs)',
];
const patchesFor = (kerasVersion) => (kerasVersion === '3' ? [...PATCHES, ...KERAS3_PATCHES] : PATCHES);

// tfjs resolves activation names through its serialization map; Keras's `exponential` is not in it.
class Exponential extends tf.serialization.Serializable {
  static className = 'exponential';
  getClassName() {
    return Exponential.className;
  }
  apply(x) {
    return tf.exp(x);
  }
}
tf.serialization.registerClass(Exponential);

// Keras 3 changed hard_sigmoid from clip(0.2x + 0.5, 0, 1) to relu6(x + 3) / 6.
class Keras3HardSigmoid extends tf.serialization.Serializable {
  static className = 'keras3HardSigmoid';
  getClassName() {
    return Keras3HardSigmoid.className;
  }
  apply(x) {
    return tf.tidy(() => tf.div(tf.relu6(tf.add(x, 3)), 6));
  }
}
tf.serialization.registerClass(Keras3HardSigmoid);

const ACTIVATION_NAMES = { 2: { hard_sigmoid: 'hardSigmoid' }, 3: { hard_sigmoid: 'keras3HardSigmoid' } };
let kerasVersion = '2';
const activationName = (name) => ACTIVATION_NAMES[kerasVersion][name] ?? name;
function setKerasVersion(version) {
  if (!ACTIVATION_NAMES[version]) throw new Error(`keras_version ${version}: the generator knows 2 and 3`);
  kerasVersion = version;
}

// Keras 3 concatenates the masks (a missing one counts as all true) and takes any(); Keras 2 and tfjs take all().
function withKeras3ConcatenateMask(layer) {
  layer.computeMask = (inputs, masks) => {
    if (!Array.isArray(masks) || masks.every((m) => m == null)) return null;
    const full = masks.map((m, i) => m ?? tf.cast(tf.onesLike(tf.sum(inputs[i], -1)), 'bool'));
    return full.reduce((a, b) => tf.logicalOr(a, b));
  };
  return layer;
}

const camel = (key) => key.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

// The Keras config in tfjs's spelling; `weights` are set when tfjs first builds the layer.
function tfjsConfig(spec, weights) {
  const config = { name: spec.name };
  for (const [key, value] of Object.entries(spec.config || {})) {
    config[camel(key)] = /activation$/.test(key) ? activationName(value) : value;
  }
  if (weights.length > 0) config.weights = weights.map((w) => tf.tensor(w));
  return config;
}

// GRU with reset_after=true (tf.keras 2's default): the reset gate multiplies the recurrent product including its
// bias, and the bias is [2, 3u] (row 0 input, row 1 recurrent); gates z, r, h.
class ResetAfterGRUCell extends tf.layers.RNNCell {
  static className = 'ResetAfterGRUCell';
  constructor(config) {
    super(config);
    this.units = config.units;
    this.stateSize = config.units;
    this.activation = config.activation ?? 'tanh';
    this.recurrentActivation = config.recurrentActivation ?? 'sigmoid';
    this.useBias = config.useBias ?? true;
  }
  build(inputShape) {
    const inputDim = inputShape[inputShape.length - 1];
    const u = this.units;
    this.kernel = this.addWeight('kernel', [inputDim, 3 * u], 'float32', tf.initializers.zeros());
    this.recurrentKernel = this.addWeight('recurrent_kernel', [u, 3 * u], 'float32', tf.initializers.zeros());
    if (this.useBias) this.bias = this.addWeight('bias', [2, 3 * u], 'float32', tf.initializers.zeros());
    this.built = true;
  }
  call(inputs) {
    return tf.tidy(() => {
      const [x, hPrev] = inputs;
      const u = this.units;
      let xw = tf.matMul(x, this.kernel.read());
      let hr = tf.matMul(hPrev, this.recurrentKernel.read());
      if (this.useBias) {
        const [inputBias, recurrentBias] = tf.unstack(this.bias.read());
        xw = tf.add(xw, inputBias);
        hr = tf.add(hr, recurrentBias);
      }
      const [xz, xr, xh] = tf.split(xw, [u, u, u], 1);
      const [hz, hrr, hh] = tf.split(hr, [u, u, u], 1);
      const gate = (name, t) => tf.layers.activation({ activation: activationName(name) }).apply(t);
      const z = gate(this.recurrentActivation, tf.add(xz, hz));
      const r = gate(this.recurrentActivation, tf.add(xr, hrr));
      const candidate = gate(this.activation, tf.add(xh, tf.mul(r, hh)));
      const h = tf.add(tf.mul(z, hPrev), tf.mul(tf.sub(1, z), candidate));
      return [h, h];
    });
  }
  getConfig() {
    return { ...super.getConfig(), units: this.units };
  }
}

// Keras's GlobalAveragePooling1D: the mean over steps, over the valid steps only when a mask arrives.
class MaskedGlobalAveragePooling1D extends tf.layers.Layer {
  static className = 'MaskedGlobalAveragePooling1D';
  constructor(config) {
    super(config);
    this.supportsMasking = true;
  }
  computeOutputShape(shape) {
    return [shape[0], shape[2]];
  }
  computeMask() {
    return null;
  }
  call(inputs, kwargs) {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (!kwargs.mask) return tf.mean(x, 1);
      const weight = tf.expandDims(tf.cast(kwargs.mask, 'float32'), 2);
      return tf.div(tf.sum(tf.mul(x, weight), 1), tf.sum(weight, 1));
    });
  }
}

const RECURRENT_DEFAULTS = { recurrentActivation: 'sigmoid' }; // tfjs defaults to hard_sigmoid, Keras 2 to sigmoid

const FACTORIES = {
  Dense: (c) => tf.layers.dense(c),
  Embedding: (c) => tf.layers.embedding(c),
  Flatten: (c) => tf.layers.flatten(c),
  Dropout: (c) => tf.layers.dropout(c),
  RepeatVector: (c) => tf.layers.repeatVector(c),
  Concatenate: (c) =>
    kerasVersion === '3' ? withKeras3ConcatenateMask(tf.layers.concatenate(c)) : tf.layers.concatenate(c),
  Multiply: (c) => tf.layers.multiply(c),
  Add: (c) => tf.layers.add(c),
  Average: (c) => tf.layers.average(c),
  Maximum: (c) => tf.layers.maximum(c),
  Activation: (c) => tf.layers.activation(c),
  SimpleRNN: (c) => tf.layers.simpleRNN(c),
  LSTM: (c) => tf.layers.lstm({ ...RECURRENT_DEFAULTS, ...c }),
  GRU: (c) => {
    const { resetAfter = true, weights, returnSequences, returnState, goBackwards, name, ...cell } = c;
    if (!resetAfter) return tf.layers.gru({ ...RECURRENT_DEFAULTS, ...c, resetAfter: false });
    const rnnConfig = { cell: new ResetAfterGRUCell(cell), returnSequences, returnState, goBackwards, name, weights };
    return tf.layers.rnn(rnnConfig);
  },
  GlobalAveragePooling1D: (c) => new MaskedGlobalAveragePooling1D(c),
};

function kerasLayer(spec, weights) {
  const factory = FACTORIES[spec.class_name];
  if (!factory) throw new Error(`layer ${spec.name}: class ${spec.class_name} is not supported by the generator`);
  return factory(tfjsConfig(spec, weights));
}

// A Dense layer's output before its activation (the logits of a sigmoid or softmax output).
const LINEAR = tf.layers.dense({ units: 1 }).activation;
function preActivation(layer, x, kwargs) {
  if (layer.getClassName() !== 'Dense') throw new Error(`layer ${layer.name}: logits are taken from a Dense layer`);
  const saved = layer.activation;
  layer.activation = LINEAR;
  try {
    return layer.apply(x, kwargs);
  } finally {
    layer.activation = saved;
  }
}

module.exports = { kerasLayer, preActivation, patchesFor, setKerasVersion };
