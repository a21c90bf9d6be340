'use strict';
// The response file's layout (tests/golden/cases/README.md): floats as the shortest decimal that reads back to
// the same float32, NaN and infinities as strings, one key per line and each tensor on one line so that a diff
// shows which tensor changed.

function float32Text(x) {
  if (Number.isNaN(x)) return '"NaN"';
  if (!Number.isFinite(x)) return x > 0 ? '"Infinity"' : '"-Infinity"';
  const f = Math.fround(x);
  for (let digits = 1; digits <= 9; digits += 1) {
    const shortest = Number(f.toPrecision(digits));
    if (Math.fround(shortest) === f) return String(shortest);
  }
  return String(f);
}

const isTensor = (v) => Array.isArray(v) && v.every((e) => typeof e !== 'object' || isTensor(e));
const hasStrings = (v) => v.some((e) => typeof e === 'string');

function scalar(v) {
  if (typeof v === 'number') return float32Text(v);
  return JSON.stringify(v);
}

function compact(v) {
  return Array.isArray(v) ? `[${v.map(compact).join(',')}]` : scalar(v);
}

// Short lists of names stay on one line; a list of long strings (the oracle's patches) gets a line each.
const SHORT_LIST = 80;

function format(v, indent) {
  const pad = ' '.repeat(indent + 1);
  if (Array.isArray(v)) {
    if (isTensor(v) && (!hasStrings(v) || compact(v).length <= SHORT_LIST)) return compact(v);
    return `[\n${v.map((e) => pad + format(e, indent + 1)).join(',\n')}\n${' '.repeat(indent)}]`;
  }
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v).map(([k, e]) => `${pad}${JSON.stringify(k)}: ${format(e, indent + 1)}`);
    return `{\n${entries.join(',\n')}\n${' '.repeat(indent)}}`;
  }
  return scalar(v);
}

const formatResponse = (response) => `${format(response, 0)}\n`;

// Forward outputs agree to ~1e-6, anything after training steps to ~1e-5 (README's tolerances), relative to the
// value's size where it exceeds 1.
const TRAINED = new Set(['losses', 'weights_after', 'outputs_after_train']);

function compareValues(actual, expected, where, tolerance, problems) {
  if (Array.isArray(expected) || (expected !== null && typeof expected === 'object')) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual) !== Array.isArray(expected)) {
      problems.push(`${where}: ${JSON.stringify(actual)?.slice(0, 60)} where the stored case has a structure`);
      return;
    }
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const key of keys) {
      if (!(key in actual)) problems.push(`${where}.${key}: missing`);
      else if (!(key in expected)) problems.push(`${where}.${key}: not in the stored case`);
      else compareValues(actual[key], expected[key], `${where}.${key}`, tolerance, problems);
    }
    return;
  }
  if (typeof expected === 'number' && typeof actual === 'number') {
    if (Math.abs(actual - expected) > tolerance * Math.max(1, Math.abs(expected))) {
      problems.push(`${where}: ${actual} where the stored case has ${expected}`);
    }
  } else if (actual !== expected) {
    problems.push(`${where}: ${JSON.stringify(actual)} where the stored case has ${JSON.stringify(expected)}`);
  }
}

function compareResponses(actual, expected) {
  const problems = [];
  for (const key of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    const tolerance = TRAINED.has(key) ? 1e-5 : 1e-6;
    compareValues({ [key]: actual[key] }, { [key]: expected[key] }, '', tolerance, problems);
  }
  return problems;
}

module.exports = { formatResponse, compareResponses, float32Text };
