/** `margin query`: answer S1/S2/S3 for a subset of a model's items, exactly or from a sample. */
import { neuronName } from '../../shared/neuron-name.ts';
import type { Command } from '../command.ts';
import { numberOption, requireOption } from '../command.ts';
import { withProject } from '../project.ts';
import { flushQueryResults, runNamedQuery, runQuery, type ExactAggregates, type ExactNamed } from '../../app/services/queries.ts';
import { ensureActivations } from '../../app/services/extraction.ts';
import { clusterQueryRefusal, describeIssues, requests } from '../../shared/api.ts';
import type { QueryAnswer, QueryResult } from '../../shared/api.ts';
import { MarginError } from '../../shared/errors.ts';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export const queryCommand: Command = {
  name: 'query',
  summary: 'Answer S1 (top-K neurons), S2 (mean activation) or S3 (argmax distribution) for a subset, exactly or from a sample',
  usage:
    'margin query --project DIR --model NAME --set S1|S2|S3 --layer L [--checkpoint C] [--class C] [--predicted C] [--outcome correct|incorrect|all] [--sample NAME] [--k K] [--by mean|max] [--granularity unit|channel] [--reduce mean|max] [--json]\n'
    + '       margin query --project DIR --model NAME --named Q1|…|Q7 [--layer L] [--class A] [--predicted B] [--k K] [--model2 M] [--checkpoint2 C] [--sample NAME] [--json]\n'
    + '       [--cluster local:N|tcp://HOST:PORT [--shard-size K]]   exact answers (S1–S3; Q1–Q7 without --sample) from per-block shares computed on a Dask cluster (docs/cluster.md)',
  options: {
    project: { type: 'string' }, model: { type: 'string' }, set: { type: 'string' }, layer: { type: 'string' },
    checkpoint: { type: 'string' }, class: { type: 'string' }, predicted: { type: 'string' }, outcome: { type: 'string' },
    sample: { type: 'string' }, k: { type: 'string' }, by: { type: 'string' }, granularity: { type: 'string' },
    reduce: { type: 'string' }, json: { type: 'boolean' }, cluster: { type: 'string' }, 'shard-size': { type: 'string' },
    named: { type: 'string' }, model2: { type: 'string' }, checkpoint2: { type: 'string' },
  },
  async run({ values }) {
    const named = str(values.named);
    if (named !== undefined) return runNamed(values, this.usage, named.toUpperCase());
    const raw = {
      model: requireOption(values, 'model', this.usage),
      set: requireOption(values, 'set', this.usage).toUpperCase(),
      layer: requireOption(values, 'layer', this.usage),
      checkpoint: str(values.checkpoint),
      subset: {
        trueClass: numberOption(values, 'class', { integer: true, min: 0 }),
        predClass: numberOption(values, 'predicted', { integer: true, min: 0 }),
        outcome: str(values.outcome) ?? 'all',
      },
      sample: str(values.sample),
      k: numberOption(values, 'k', { integer: true, min: 1, max: 10_000 }),
      by: str(values.by),
      granularity: str(values.granularity),
      reduce: str(values.reduce),
    };
    // The same schema as the API, so the CLI accepts exactly what the workbench does.
    const parsed = requests['query.run'].params.safeParse(JSON.parse(JSON.stringify(raw)));
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.map((p) => optionName(String(p))).filter(Boolean), message: i.message }));
      throw new MarginError('BAD_REQUEST', `${describeIssues(issues)}\nusage: ${this.usage}`);
    }
    return withProject(values, this.usage, (store) => withClusterHooks(values, async ({ exactAggregates }) => {
      const result = await runQuery(store, parsed.data, { ensureActivations, exactAggregates });
      await flushQueryResults(store);
      console.log(values.json ? JSON.stringify(result, null, 2) : summary(result));
      return 0;
    }), {
      // the workbench has the project open: ask it (the same request the Queries view sends)
      viaWorkbench: async (call) => {
        if (str(values.cluster)) throw new MarginError('CONFLICT', '--cluster: the project is open in the Margin workbench, which answers this query itself; leave --cluster out, or close the project in the workbench first');
        const result = await call('query.run', parsed.data);
        console.log(values.json ? JSON.stringify(result, null, 2) : summary(result));
        return 0;
      },
    });
  },
};

type ClusterHooks = { exactAggregates?: ExactAggregates; exactNamed?: ExactNamed };

/**
 * `fn` with the exact-answer hooks for --cluster (none without it). All the command's Dask runs
 * (Q4 makes two) share one cluster: `local:N` is started once and closed when `fn` ends.
 */
async function withClusterHooks<T>(values: Record<string, unknown>, fn: (hooks: ClusterHooks) => Promise<T>): Promise<T> {
  const cluster = str(values.cluster);
  const shardSize = numberOption(values, 'shard-size');
  if (!cluster) {
    if (shardSize !== undefined) throw new MarginError('BAD_REQUEST', '--shard-size goes with --cluster');
    return fn({});
  }
  const { checkExactShardSize, clusterExactAggregates } = await import('../../cluster/exact.ts');
  const { clusterExactNamed } = await import('../../cluster/exact-named.ts');
  const { startedLine, withClusterSession } = await import('../../cluster/session.ts');
  if (shardSize !== undefined) checkExactShardSize(shardSize);
  return withClusterSession(cluster, async (session) => {
    let tasks = 0;
    const t0 = performance.now();
    const options = { cluster, session, shardSize, onTasks: (n: number) => { tasks += n; } };
    const report = <R>(r: R): R => {
      console.error(`cluster ${cluster}: ${tasks} task(s), ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      return r;
    };
    const hook = clusterExactAggregates(options);
    const named = clusterExactNamed(options);
    return fn({
      exactAggregates: async (store, req) => report(await hook(store, req)),
      exactNamed: {
        q4: async (store, req) => report(await named.q4(store, req)),
        q6: async (store, req) => report(await named.q6(store, req)),
        q7: async (store, req) => report(await named.q7(store, req)),
      },
    });
  }, { onStarted: (s, seconds) => console.error(startedLine(cluster, s, seconds)) });
}

/** `--named Q1…Q7`: the paper's Table II queries (query.named). */
async function runNamed(values: Record<string, unknown>, usage: string, query: string): Promise<number> {
  const raw = {
    query,
    model: requireOption(values, 'model', usage),
    checkpoint: str(values.checkpoint),
    model2: str(values.model2),
    checkpoint2: str(values.checkpoint2),
    layer: str(values.layer),
    classA: numberOption(values, 'class', { integer: true, min: 0 }),
    classB: numberOption(values, 'predicted', { integer: true, min: 0 }),
    k: numberOption(values, 'k', { integer: true, min: 1, max: 10_000 }),
    sample: str(values.sample),
  };
  const parsed = requests['query.named'].params.safeParse(JSON.parse(JSON.stringify(raw)));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.map((p) => ({ query: '--named', classA: '--class', classB: '--predicted' } as Record<string, string>)[String(p)] ?? `--${String(p)}`), message: i.message }));
    throw new MarginError('BAD_REQUEST', `${describeIssues(issues)}\nusage: ${usage}`);
  }
  const refusal = values.cluster !== undefined ? clusterQueryRefusal(parsed.data) : null;
  if (refusal) throw new MarginError('BAD_REQUEST', `--${refusal.argument === 'query' ? 'named' : refusal.argument}: ${refusal.message}`);
  return withProject(values, usage, (store) => withClusterHooks(values, async (hooks) => {
    const result = await runNamedQuery(store, parsed.data, { ensureActivations, ...hooks });
    await flushQueryResults(store);
    console.log(values.json ? JSON.stringify(result, null, 2) : `${result.query} — ${result.title}\n${JSON.stringify(result.data).slice(0, 600)}\nanswered in ${(result.seconds * 1000).toFixed(1)} ms`);
    return 0;
  }));
}

/** Subset fields back to the option names the user typed. */
function optionName(p: string): string {
  return ({ trueClass: '--class', predClass: '--predicted', outcome: '--outcome' } as Record<string, string>)[p] ?? (p === 'subset' ? '' : `--${p}`);
}

function describe(a: QueryAnswer): string {
  const parts = [
    a.subset.trueClass !== undefined ? `class ${a.subset.trueClass}` : 'all classes',
    a.subset.predClass !== undefined ? `predicted ${a.subset.predClass}` : '',
    a.subset.outcome !== 'all' ? a.subset.outcome : '',
  ].filter(Boolean);
  return `${a.set} on ${a.layer} (${a.granularity}, shape [${a.shape.join(', ')}]), ${parts.join(', ')}: ${a.items.toLocaleString()} items`;
}

function body(a: QueryAnswer): string {
  if (a.items === 0) return '  (no items in the subset)';
  if (a.topK) return `  top-${a.topK.length}: ` + a.topK.map((t) => `${neuronName(a.layer, t.neuron, a.shape, a.granularity)} (${t.score.toPrecision(4)})`).join(', ');
  const v = a.vector ?? [];
  let min = Infinity, max = -Infinity, sum = 0, arg = 0;
  v.forEach((x, i) => { sum += x; if (x > max) { max = x; arg = i; } if (x < min) min = x; });
  return `  ${v.length} values: min ${min.toPrecision(4)}, mean ${(sum / v.length).toPrecision(4)}, max ${max.toPrecision(4)} at ${neuronName(a.layer, arg, a.shape, a.granularity)}`;
}

export function summary(r: QueryResult): string {
  const lines: string[] = [];
  if (r.sample) {
    lines.push(`${describe(r.answer)} of sample "${r.sample.name}"`, body(r.answer));
    if (r.sample.exact) lines.push(`exact over ${r.sample.exact.items.toLocaleString()} items:`, body(r.sample.exact));
    if (r.sample.error) lines.push(`error: ${r.sample.error.metric} = ${r.sample.error.value.toFixed(4)}`);
    else if (r.sample.confidenceInterval) {
      const ci = r.sample.confidenceInterval;
      const width = ci.upper.reduce((s, u, i) => s + (u - ci.lower[i]), 0) / Math.max(1, ci.upper.length);
      lines.push(`exact answer unknown (not every item's activations are stored): ${Math.round(ci.level * 100)} % bootstrap interval, mean width ${width.toPrecision(3)}`);
    }
  } else {
    lines.push(`${describe(r.answer)} (exact)`, body(r.answer));
  }
  if (r.computed.items > 0) {
    lines.push(`computed activations of ${r.computed.items.toLocaleString()} items (${(r.computed.bytes / 1e6).toFixed(1)} MB) in ${r.computed.seconds.toFixed(2)} s`);
  }
  lines.push(`answered in ${(r.seconds * 1000).toFixed(1)} ms`);
  return lines.join('\n');
}
