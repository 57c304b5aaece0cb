// renderPlanComment on real plans made by the real tofu from test/fixtures/plans/, up to 10,000 resources: what a
// reviewer sees, in which order, within GitHub's size limit, with valid fences and no secrets.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PolicyReport } from '../src/policy/findings.js';
import { planFingerprint } from '../src/plan/fingerprint.js';
import { summarizePlan } from '../src/plan/summary.js';
import { describeOnMerge } from '../src/gate/decision.js';
import {
  GITHUB_COMMENT_LIMIT,
  STATUS_RESERVE,
  metadataMarker,
  parseCommentMetadata,
  renderPlanComment,
  type PlanReport,
} from '../src/report/comment.js';
import { withApplyStatus } from '../src/report/comment-status.js';
import { planLarge, planScenario, type PlanRun } from './fixtures/plans/generate.js';

// --- just enough CommonMark to check fences: 3+ backticks indented ≤ 3 spaces open a block; only a line of at
// least as many backticks (and nothing else) closes it.
interface CodeBlock {
  fence: number;
  info: string;
  content: string;
}

function codeBlocks(markdown: string): { blocks: CodeBlock[]; unclosed: boolean; outside: string } {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  const outside: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,})([^`]*)$/.exec(lines[i]!);
    if (!open) {
      outside.push(lines[i]!);
      continue;
    }
    const fence = open[1]!.length;
    const close = new RegExp(`^ {0,3}\`{${fence},}\\s*$`);
    const content: string[] = [];
    for (i++; i < lines.length && !close.test(lines[i]!); i++) content.push(lines[i]!);
    if (i >= lines.length) return { blocks, unclosed: true, outside: outside.join('\n') };
    blocks.push({ fence, info: open[2]!.trim(), content: content.join('\n') });
  }
  return { blocks, unclosed: false, outside: outside.join('\n') };
}

function expectWellFormed(markdown: string): CodeBlock[] {
  const { blocks, unclosed, outside } = codeBlocks(markdown);
  expect(unclosed).toBe(false);
  expect(outside.match(/<details[ >]/g)?.length ?? 0).toBe(outside.match(/<\/details>/g)?.length ?? 0);
  expect(parseCommentMetadata(markdown)).not.toBeNull();
  return blocks;
}

// --- reports from real plans
const work = mkdtempSync(path.join(os.tmpdir(), 'flux-comment-render-'));
const runs = new Map<string, PlanRun>();
const SCENARIOS = [
  'create',
  'destroy',
  'replace',
  'import',
  'move',
  'forget',
  'drift',
  'outputs',
  'no-changes',
  'error',
];
const MORE = ['backticks', 'example', 'leak'];
let large: PlanRun;

const passed: PolicyReport = { result: 'pass', failures: [], warnings: [], successes: 12, inputs: ['tfvars', 'plan'] };
const headSha = '3f2a9c1d4e5b6a7980c1d2e3f4a5b6c7d8e9f0a1';
const runUrl = 'https://github.com/wildside/platform/actions/runs/123456789';

function report(run: PlanRun, extra: Partial<PlanReport> = {}): PlanReport {
  return {
    target: 'modules/root',
    headSha,
    runUrl,
    policy: passed,
    plan: {
      exitCode: run.exitCode as 0 | 1 | 2,
      ...(run.json ? { summary: summarizePlan(run.json) } : {}),
      text: run.text,
      ...(run.exitCode === 1 ? { error: run.stderr } : {}),
    },
    // The gate's own sentence, as main.ts passes it: the footer must not add a prefix of its own.
    onMerge: describeOnMerge({
      acceptApply: false,
      kubeconfigPresent: true,
      planExitCode: run.exitCode as 0 | 1 | 2,
      policyPassed: true,
      backend: 'remote',
      allowLocalState: false,
      requireReviewedPlan: true,
    }),
    planHash: run.json ? planFingerprint(run.json) : null,
    ...extra,
  };
}

function render(name: string, extra: Partial<PlanReport> = {}): string {
  const run = runs.get(name);
  if (!run) throw new Error(`scenario ${name} was not planned`);
  return renderPlanComment(report(run, extra));
}

beforeAll(async () => {
  const names = [...SCENARIOS, ...MORE];
  for (let i = 0; i < names.length; i += 2) {
    const batch = names.slice(i, i + 2);
    const results = await Promise.all(batch.map((name) => planScenario(name, work)));
    batch.forEach((name, j) => runs.set(name, results[j]!));
  }
  large = await planLarge(work);
});

describe('the comment on real plans', () => {
  it('puts status, warning, policy, resource lists, drift, plan text and footer in that order', () => {
    const policy: PolicyReport = {
      ...passed,
      warnings: [{ input: 'plan', ruleId: 'FLUX010', message: 'chart version changes', namespace: 'main' }],
    };
    const body = render('example', { policy });
    const order = [
      '<!-- flux-bootstrap:',
      '**Plan:** 1 to add, 1 to change, 1 to destroy, 1 to replace, 1 to import, 1 to move; 1 output changed',
      '> [!CAUTION]',
      '### Policy',
      '### Resource changes',
      '### Changes outside OpenTofu (1)',
      '<details><summary>Full plan (',
      "On merge to main: no apply. Input 'accept-apply' is not 'true'",
      `<sub>Head \`${headSha.slice(0, 12)}\` · [Workflow run](${runUrl})`,
    ];
    const positions = order.map((part) => body.indexOf(part));
    expect(
      positions.every((p) => p >= 0),
      JSON.stringify(positions),
    ).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(body).toContain('**Policy:** ⚠️ passed, 1 warning');
    expectWellFormed(body);
  });

  it("says 'On merge to main' once: the gate's sentence carries its own prefix", () => {
    for (const name of ['example', 'no-changes', 'error']) {
      const body = render(name);
      expect(body.match(/On merge to main/g), name).toHaveLength(1);
      expect(body, name).toMatch(/^---\nOn merge to main: /m);
    }
  });

  it('counts in the header what the lists list: one count per entry, a replacement once', () => {
    const sum = (matches: IterableIterator<RegExpMatchArray>): number =>
      [...matches].reduce((n, m) => n + Number(m[1]!.replace(/,/g, '')), 0);
    let checked = 0;
    for (const [name, run] of runs) {
      if (!run.json) continue;
      const body = render(name);
      const header = /\*\*Plan:\*\* ([^·;]*)/.exec(body)![1]!;
      const listed = sum(body.matchAll(/^\*\*(?!Outputs)[^*]+\*\* \(([\d,]+)\)$/gm));
      expect(sum(header.matchAll(/([\d,]+) to /g)), `${name}: ${header}`).toBe(listed);
      checked++;
    }
    expect(checked).toBeGreaterThan(8);
    expect(render('replace')).toMatch(/\*\*Plan:\*\* 0 to add, 0 to change, 0 to destroy, 2 to replace/);
  });

  it('names the attributes each in-place update changes, values only when short and known', () => {
    const body = render('example');
    expect(body).toContain('- `terraform_data.flux2_release` — changes `input`, `output` (known after apply)');
  });

  it('says which cluster it planned against and shows the inputs in effect collapsed, scrubbed', () => {
    const body = render('create', {
      cluster: { apiServer: 'dev.k8s.example:6443' },
      inputsTable: '| input | value |\n| --- | --- |\n| `git-url` | https://tok-s3cr3t-0123456789abcdef@git.example |',
    });
    expect(body).toContain('**Planned against:** API server `dev.k8s.example:6443` (the kubeconfig’s current context)');
    expect(body).toContain('<details><summary>Inputs in effect</summary>\n\n| input | value |');
    const secret = renderPlanComment(
      report(runs.get('create')!, { inputsTable: '| a | tok-s3cr3t-0123456789abcdef |' }),
      {
        secrets: ['tok-s3cr3t-0123456789abcdef'],
      },
    );
    expect(secret).toContain('| a | *** |');
    expect(secret).not.toContain('tok-s3cr3t');
    expect(render('create', { cluster: { doksName: 'dev-ams3' } })).toContain(
      '**Planned against:** DigitalOcean Kubernetes cluster `dev-ams3`',
    );
  });

  it('records target, head SHA and plan hash in the hidden marker', () => {
    const body = render('example');
    expect(parseCommentMetadata(body)).toEqual({
      version: 1,
      target: 'modules/root',
      headSha,
      planHash: planFingerprint(runs.get('example')!.json),
      status: 'planned',
    });
  });

  it('records the hashed inputs the plan was made with, kept when the apply status is added', () => {
    const inputHashes = { 'reconcile-interval': '0123456789abcdef', 'git-path': 'fedcba9876543210' };
    const body = render('example', { inputHashes });
    expect(parseCommentMetadata(body)).toMatchObject({
      planHash: planFingerprint(runs.get('example')!.json),
      inputs: inputHashes,
    });
    const applied = withApplyStatus(body, { status: 'applied', runUrl, sha: headSha });
    expect(parseCommentMetadata(applied)).toMatchObject({ status: 'applied', inputs: inputHashes });
    // Anything but a map of input names to hashes is left out, and the rest of the marker still reads.
    for (const inputs of [['x'], { 'git-path': 'not-a-hash' }, { 'Git Path': '0123456789abcdef' }, 'x', {}]) {
      const marker = metadataMarker({ version: 1, target: 't', headSha: 's', planHash: null, inputs: inputs as never });
      expect(parseCommentMetadata(marker), JSON.stringify(inputs)).toEqual({
        version: 1,
        target: 't',
        headSha: 's',
        planHash: null,
      });
    }
  });

  it('warns in bold when resources are destroyed, naming them', () => {
    const body = render('destroy');
    expect(body).toContain('> **This plan destroys 2 resources.**');
    expect(body).toContain(
      '> **Destroyed:** `terraform_data.controller["kustomize"]` and `terraform_data.controller["source"]`',
    );
    expect(body).toContain('**Destroy** (2)');
    expect(body).toContain('All of them: not in the configuration.');
  });

  it('warns about replacements, naming them and what forces them', () => {
    const body = render('replace');
    expect(body).toContain('replaces 2 resources (destroyed, then created again)');
    expect(body).toContain('> **Replaced:** `terraform_data.namespace` and `terraform_data.release`');
    expect(body).toContain('All of them: forced by `triggers_replace`.');
  });

  it.each(['create', 'import', 'move', 'forget', 'outputs', 'no-changes', 'drift'])(
    'has no destroy warning for %s',
    (name) => {
      expect(render(name)).not.toContain('[!CAUTION]');
    },
  );

  it('lists imports, and an import that also updates', () => {
    const body = render('import');
    expect(body).toContain('**Import** (1)\n\n- `terraform_data.existing_secret`');
    expect(body).toContain('**Update in place** (1)\n\n- `terraform_data.existing_release` — imported');
  });

  it('lists moves from the old address to the new one', () => {
    const body = render('move');
    expect(body).toContain('- `terraform_data.sync` → `terraform_data.kustomization`');
    expect(body).toContain('- `module.sync.terraform_data.git_repository` — moved from `terraform_data.source`');
  });

  it('says what is forgotten (removed from state, not destroyed)', () => {
    expect(render('forget')).toContain('**Forget (removed from state, not destroyed)** (1)\n\n- `terraform_data.crds`');
  });

  it('shows drift in its own section: changed and deleted outside OpenTofu', () => {
    const body = render('drift');
    expect(body).toContain('### Changes outside OpenTofu (2)');
    // The changed attribute is named; its value (a file's content) is not short enough to show.
    expect(body).toContain('- `outside_file.replicas` — changed: `content`\n- `outside_file.values` — deleted');
  });

  it('says when there are no changes, without empty sections', () => {
    const body = render('no-changes');
    expect(body).toContain('**Plan:** no changes · **Policy:** ✅ passed');
    expect(body).not.toContain('### Resource changes');
    expect(body).not.toContain('[!NOTE]');
  });

  it('shows a failed plan with its error, and the output collapsed', () => {
    const body = render('error');
    expect(body).toContain('**Plan:** ❌ failed (`tofu plan` exit code 1)');
    const blocks = expectWellFormed(body);
    expect(blocks[0]!.content).toContain('Error: Resource precondition failed');
    expect(body.indexOf('### Plan failed')).toBeLessThan(
      body.indexOf('<details><summary>Output of <code>tofu plan</code>'),
    );
    expect(parseCommentMetadata(body)?.planHash).toBeNull();
  });

  it('keeps fences valid when the plan is full of backticks', () => {
    const run = runs.get('backticks')!;
    const body = render('backticks');
    const blocks = expectWellFormed(body);
    const plan = blocks.find((b) => b.info === 'text')!;
    expect(plan.content).toBe(run.text.replace(/^\n+/, '').trimEnd());
    expect(plan.content).toContain('"```````"');
    expect(plan.fence).toBeGreaterThan(7);
    expect(body).toContain('- ``terraform_data.ticks["`a`"]``');
    expect(body).toContain('- ```terraform_data.ticks["b``c"]```');
  });

  it('shows policy failures with rule id, message and what they concern', () => {
    const policy: PolicyReport = {
      result: 'fail',
      failures: [
        {
          input: 'tfvars',
          ruleId: 'FLUX003',
          message: 'prune must be true | got <false>\nsee docs',
          namespace: 'flux',
          subject: 'flux.git.prune',
        },
        { input: 'plan', message: 'no rule id here', namespace: 'custom' },
      ],
      warnings: [{ input: 'plan', ruleId: 'FLUX010', message: 'interval is long', namespace: 'flux' }],
      successes: 3,
      inputs: ['tfvars', 'plan'],
    };
    const body = render('create', { policy });
    expect(body).toContain('**Policy:** ❌ failed: 2 failures, 1 warning');
    expect(body).toContain(
      '| ❌ failure | `FLUX003` | prune must be true \\| got &lt;false&gt;<br>see docs | `flux.git.prune` (tfvars) |',
    );
    expect(body).toContain('| ❌ failure | custom | no rule id here | plan |');
    expect(body).toContain('| ⚠️ warning | `FLUX010` | interval is long | plan |');
  });

  it('scrubs secrets that tofu printed, whole and line by line', () => {
    const run = runs.get('leak')!;
    const token = 's3cr3t-token-0123456789abcdef';
    const kubeconfig = [
      'apiVersion: v1',
      'kind: Config',
      'users:',
      '- name: ci',
      '  user:',
      `    token: ${token}`,
      '    client-key-data: LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2Z0lCQURBTkJna3Foa2lHOXcwQkFRRUZBQVNDQktnd2dnU2tBZ0VBQW9JQkFRQw==',
      '',
    ].join('\n');
    expect(run.text).toContain(token); // tofu did print it
    const withLeak = report(run, {
      policy: { ...passed, warnings: [{ input: 'plan', message: `token ${token} looks short`, namespace: 'x' }] },
    });
    const body = renderPlanComment(withLeak, { secrets: [kubeconfig] });
    expect(body).not.toContain(token);
    expect(body).not.toContain('LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t');
    expect(body).toMatch(/input += "Bearer \*\*\*"/);
    expect(body).toContain('token *** looks short');
    expect(body).toContain('apiVersion: v1'); // structure lines shorter than a credential stay readable
    expect(body).toContain('kind: Config');
    expectWellFormed(body);
  });
});

describe('size', () => {
  it(`renders the 10,000-resource plan within ${GITHUB_COMMENT_LIMIT.toLocaleString('en-US')} characters, saying what was cut`, () => {
    const summary = summarizePlan(large.json);
    expect(summary.changes).toHaveLength(10_000);
    const body = renderPlanComment(report(large, { planTextPath: '/home/runner/work/_temp/flux/plan.txt' }));
    expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT - STATUS_RESERVE);
    expect(large.text.length).toBeGreaterThan(GITHUB_COMMENT_LIMIT * 10);
    // One count per list entry: a replacement is one replacement, not an add and a destroy as in tofu's own line.
    expect(body).toContain('**Plan:** 9,100 to add, 300 to change, 300 to destroy, 300 to replace');
    expect(body).toMatch(
      /> This was shortened to fit GitHub’s size limit for comments: the plan text is left out and the lists show [\d,]+ of 10,000 entries\./,
    );
    expect(body).toContain('`/home/runner/work/_temp/flux/plan.txt` (output `plan-text-path`)');
    expect(body).toContain(`[workflow run](${runUrl})’s log`);
    // Dangerous lists are kept whole; the long create list gives way.
    expect(body).toContain('<details><summary>Destroy (300)</summary>');
    expect(body).toContain('<details><summary>Replace (300)</summary>');
    expect(body).not.toMatch(/Destroy \(300\)[\s\S]*?more not shown[\s\S]*?<\/details>\n\n<details><summary>Replace/);
    expect(body).not.toMatch(/Replace \(300\)[\s\S]*?more not shown[\s\S]*?<\/details>\n\n<details><summary>Create/);
    expect(body).toMatch(/<summary>Create \(9,100\)<\/summary>[\s\S]*?- … [\d,]+ more not shown/);
    expectWellFormed(body);
    // It still fits after the apply status is added on main.
    const applied = withApplyStatus(body, { status: 'applied', runUrl, sha: headSha });
    expect(applied.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
  });

  it('in a job summary (1 MB): all 10,000 entries listed, the plan text shortened', () => {
    const body = renderPlanComment(report(large), { maxLength: 1_000_000 });
    expect(body.length).toBeLessThanOrEqual(1_000_000);
    expect(body).not.toContain('more not shown');
    expect(body).toMatch(/the plan text shows [\d,]+ of [\d,]+ lines/);
    const plan = expectWellFormed(body).find((b) => b.info === 'text')!;
    expect(plan.content).toMatch(/\n… [\d,]+ lines cut here to fit the comment \(the plan has [\d,]+\) …\n/);
    expect(plan.content.endsWith('Plan: 9400 to add, 300 to change, 600 to destroy.')).toBe(true);
  });

  it.each([1_500, 2_500, 4_000, 8_000, 20_000, 40_000])('stays within %i characters, whatever the plan', (limit) => {
    for (const run of [...runs.values(), large]) {
      const body = renderPlanComment(report(run), { maxLength: limit });
      expect(body.length, run.dir).toBeLessThanOrEqual(limit);
      expectWellFormed(body);
    }
  });

  it('shortens the plan text first, keeping its start and its end', () => {
    const full = render('example');
    const body = renderPlanComment(report(runs.get('example')!), { maxLength: full.length - 300 });
    expect(body).toMatch(/the plan text shows \d+ of \d+ lines\./);
    expect(body).not.toContain('the lists show');
    const plan = expectWellFormed(body).find((b) => b.info === 'text')!;
    expect(plan.content.startsWith('OpenTofu used the selected providers')).toBe(true);
    expect(plan.content).toContain('lines cut here');
    expect(plan.content).toContain('+ git_repository_name = "flux-system"');
  });

  it('shortens a huge error output to fit', () => {
    const run = runs.get('error')!;
    const error = run.stderr.repeat(2_000);
    const body = renderPlanComment(report(run, { plan: { exitCode: 1, text: run.text, error } }));
    expect(error.length).toBeGreaterThan(GITHUB_COMMENT_LIMIT * 5);
    expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT - STATUS_RESERVE);
    expect(body).toContain('the error output is shortened');
    expect(body).toContain('Error: Resource precondition failed');
    expectWellFormed(body);
  });
});

describe('parseCommentMetadata', () => {
  it('reads only the first line: a marker inside the plan text cannot pose as ours', () => {
    const run = runs.get('create')!;
    const planted = `${metadataMarker({ version: 1, target: 'evil', headSha: 'x', planHash: 'forged' })}\n`;
    const body = renderPlanComment(report({ ...run, text: `${planted}${run.text}` }));
    expect(parseCommentMetadata(body)?.target).toBe('modules/root');
    expect(parseCommentMetadata(`hello\n${planted}`)).toBeNull();
  });

  it('keeps any target intact, even one that would close an HTML comment', () => {
    const target = 'envs/prod --> <b>x</b> "quoted"';
    const line = metadataMarker({ version: 1, target, headSha: 'abc', planHash: null });
    expect(line.indexOf('-->')).toBe(line.length - 3);
    expect(parseCommentMetadata(line)).toEqual({ version: 1, target, headSha: 'abc', planHash: null });
  });

  it.each([
    ['no marker', 'just a comment'],
    ['broken JSON', '<!-- flux-bootstrap:{"version":1, -->'],
    ['another format version', '<!-- flux-bootstrap:{"version":2,"target":"t","headSha":"s","planHash":null} -->'],
    ['a missing target', '<!-- flux-bootstrap:{"version":1,"headSha":"s","planHash":null} -->'],
    ['a bad status', '<!-- flux-bootstrap:{"version":1,"target":"t","headSha":"s","planHash":null,"status":"x"} -->'],
  ])('returns null for %s', (_, body) => {
    expect(parseCommentMetadata(body)).toBeNull();
  });
});
