/**
 * `npm run eval -- [--weights F] [--mnist-dir D]`: accuracy of a weights file, per class, and the
 * confusion matrix, without starting the server. Without --mnist-dir it uses the held-out
 * digits shipped beside the weights, as /eval does. Exit codes: 0 done, 1 failed, 2 usage.
 */
import { relative } from 'node:path';
import { DEFAULT_WEIGHTS, PROJECT_ROOT } from '../../src/config.js';
import { loadEmbeddedHoldout, loadMnistTestSet } from '../../src/eval/dataset.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { loadWeights } from '../../src/model/weights/load.js';
import { parseCliArgs, runCli, UsageError } from './args.js';

const USAGE = `usage: npm run eval -- [--weights FILE] [--mnist-dir DIR]

  --weights FILE     the weights to score (.safetensors or the book's .pkl)
                     [${relative(PROJECT_ROOT, DEFAULT_WEIGHTS)}]
  --mnist-dir DIR    score on the MNIST test set, t10k-*-idx*-ubyte[.gz] in DIR, instead of
                     the held-out digits shipped beside the weights
  -h, --help         this text
`;

runCli('eval', USAGE, async (argv) => {
  const { values } = parseCliArgs(argv, { weights: { type: 'string', default: DEFAULT_WEIGHTS }, 'mnist-dir': { type: 'string' } });
  const model = await loadWeights(values.weights);
  const mnistDir = values['mnist-dir'];
  const holdout = model.info.metadata.holdout;
  if (mnistDir === undefined && holdout === undefined) throw new UsageError(`${values.weights} ships no held-out digits: pass --mnist-dir`);
  const set = mnistDir !== undefined ? await loadMnistTestSet(mnistDir) : await loadEmbeddedHoldout(values.weights, holdout!);
  const started = performance.now();
  const s = evaluate(model.mlp, set);
  const ms = performance.now() - started;
  const pct = (x: number | null) => (x === null ? '   -  ' : `${(100 * x).toFixed(2).padStart(6)}%`);
  const lines = [
    `model    ${model.info.name} (${model.info.sha256})`,
    `dataset  ${set.info.name}: ${set.info.description} (${set.info.size} images)`,
    `accuracy ${s.accuracy} (${s.correct} / ${s.total}) in ${ms.toFixed(0)} ms`,
    '',
    'class  accuracy   correct / total',
    ...s.perClass.map((c) => `  ${c.class}    ${pct(c.accuracy)}   ${String(c.correct).padStart(5)} / ${c.total}`),
    '',
    'confusion matrix (rows: true class, columns: predicted)',
    `      ${Array.from({ length: 10 }, (_, j) => String(j).padStart(5)).join('')}`,
    ...s.confusionMatrix.map((row, i) => `  ${i}   ${row.map((v) => String(v).padStart(5)).join('')}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
});
