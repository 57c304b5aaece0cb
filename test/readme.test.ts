// README.md against its sources: the inputs and outputs tables against action.yml (read here independently of the
// generator), the embedded workflows against examples/workflows, the gate table against the gate itself, and every
// relative link and anchor against the files it points to.
import { INPUT_NAMES } from '../src/inputs/schema.js';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { decideApply } from '../src/gate/decision.js';
import { PINNED_VERSIONS } from '../src/tools/version-request.js';
import { embeddedExamples, updatedReadme } from '../scripts/readme-tables.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');
const README = read('README.md');
const ACTION_YML = read('action.yml');

interface ActionSpec {
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
}
const action = parse(ACTION_YML) as ActionSpec;

/** The rows of the Markdown table between two markers, as cells (escaped pipes kept as text). */
function tableRows(text: string, section: string): string[][] {
  const start = text.indexOf(`<!-- BEGIN_${section} -->`);
  const end = text.indexOf(`<!-- END_${section} -->`);
  expect(start, section).toBeGreaterThan(-1);
  return text
    .slice(start, end)
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| ---'))
    .slice(1)
    .map((line) =>
      line
        .slice(2, -2)
        .split(' | ') // an escaped pipe is "\|", never " | "
        .map((c) => c.replace(/\\\|/g, '|').trim()),
    );
}

const oneLine = (text: string): string => text.trim().replace(/\s+/g, ' ');
const unCode = (cell: string): string | undefined =>
  cell === '—' ? undefined : cell.replace(/^`` (.*) ``$/, '$1').replace(/^`(.*)`$/, '$1');

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchors(markdown: string): Set<string> {
  const found = new Set<string>();
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, '');
  for (const [, heading] of withoutCode.matchAll(/^#{1,6} (.+)$/gm)) {
    found.add(
      heading!
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-'),
    );
  }
  return found;
}

describe('README.md', () => {
  it('is what scripts/readme-tables.mjs generates from action.yml and the example workflows', () => {
    expect(updatedReadme(README, ACTION_YML, read)).toBe(README);
  });

  it('lists every input of action.yml with its required flag, default and description, in order', () => {
    const rows = tableRows(README, 'ACTION_INPUTS');
    const expected = Object.entries(action.inputs).map(([name, spec]) => [
      name,
      spec.required ? 'yes' : 'no',
      spec.default,
      oneLine(spec.description),
    ]);
    expect(
      rows.map(([name, required, def, description]) => [unCode(name!), required, unCode(def!), description]),
    ).toEqual(expected);
    // Every input the action reads is documented, and the README documents no input the action ignores.
    expect(rows.map(([name]) => unCode(name!)).sort()).toEqual([...INPUT_NAMES].sort());
  });

  it('lists every output of action.yml with its description, in order', () => {
    const rows = tableRows(README, 'ACTION_OUTPUTS');
    expect(rows.map(([name, description]) => [unCode(name!), description])).toEqual(
      Object.entries(action.outputs).map(([name, spec]) => [name, oneLine(spec.description)]),
    );
  });

  it('goes stale when action.yml changes, and names the missing section when a marker is gone', () => {
    const changed = ACTION_YML.replace('Branch Flux follows.', 'The branch Flux follows.');
    expect(changed).not.toBe(ACTION_YML);
    const regenerated = updatedReadme(README, changed, read);
    expect(regenerated).not.toBe(README);
    expect(regenerated).toContain('| `git-branch` | no | `main` | The branch Flux follows. |');
    expect(() => updatedReadme(README.replace('<!-- END_ACTION_OUTPUTS -->', ''), ACTION_YML, read)).toThrow(
      /BEGIN_ACTION_OUTPUTS/,
    );
  });

  it('shows the example workflows verbatim', () => {
    expect(embeddedExamples(README)).toEqual([
      'examples/workflows/flux.yml',
      'examples/workflows/drift.yml',
      'examples/workflows/many-clusters.yml',
      'examples/workflows/doks.yml',
    ]);
    for (const file of embeddedExamples(README)) {
      expect(README).toContain(`<!-- BEGIN_EXAMPLE ${file} -->\n\`\`\`yaml\n${read(file).trimEnd()}\n\`\`\``);
    }
  });

  it('keeps the two command lines of a fresh clone', () => {
    expect(README).toContain('```sh\nnpm ci && npm run build && npm run local\n```');
    expect(README).toContain('```sh\nnpm ci && npm test\n```');
  });

  it('says which OpenTofu version runs when tofu-version is empty, and by which rule', () => {
    const section = README.slice(README.indexOf('## Versions'), README.indexOf('## Security model'));
    const pinned = PINNED_VERSIONS.tofu;
    expect(section).toContain(`| OpenTofu | ${pinned}, the version the tests run |`);
    for (const rule of [
      '`.opentofu-version`',
      `the pinned ${pinned} when the configuration's \`required_version\` admits it`,
      `so its runs always use ${pinned}`,
      'the newest release `required_version` admits',
    ]) {
      expect(oneLine(section)).toContain(rule);
    }
  });

  it('has one row in the apply gate table per condition the gate checks', () => {
    const everythingMissing = decideApply({
      eventName: 'pull_request',
      ref: 'refs/heads/feature',
      repository: 'acme/fleet',
      headRepository: 'someone/fleet',
      acceptApply: false,
      kubeconfigPresent: false,
      planExitCode: 0,
      policyPassed: false,
      backend: 'local',
      allowLocalState: false,
      reviewedPlan: 'mismatch',
      requireReviewedPlan: true,
    });
    const section = README.slice(README.indexOf('## The apply gate'), README.indexOf('## Troubleshooting'));
    const rows = section.split('\n').filter((line) => line.startsWith('| ') && !/^\| (---|Condition)/.test(line));
    expect(rows).toHaveLength(everythingMissing.missing.length);
  });

  it('links only to files that exist and to headings that exist', () => {
    const own = anchors(README);
    const broken: string[] = [];
    for (const [, target] of README.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      const [file, anchor] = target!.split('#');
      if (file && !existsSync(path.join(ROOT, file))) broken.push(target!);
      else if (anchor) {
        const headings = file && !file.endsWith('/') ? anchors(read(file)) : own;
        if (!headings.has(anchor)) broken.push(target!);
      }
    }
    expect(broken).toEqual([]);
    // The rule links of the troubleshooting section reach every rule of policy/README.md.
    const rules = [...anchors(read('policy/README.md'))].filter((a) => /^flux\d{3}-/.test(a));
    expect(rules.length).toBeGreaterThanOrEqual(10);
    for (const rule of rules) expect(README).toContain(`(policy/README.md#${rule})`);
  });
});

describe('what a new user looks for', () => {
  it('says which versions run and are tested, how to upgrade, how to adopt a cluster and when to pick another tool', () => {
    const versions = README.slice(README.indexOf('## Versions'), README.indexOf('## Security model'));
    const chartDefault = /default\s+=\s+"([^"]+)"/.exec(
      read('modules/fluxcd/variables.tf').split('variable "chart_version"')[1]!,
    )![1];
    expect(versions).toContain(`chart 2.18.3`);
    expect(chartDefault).toBe('2.18.3');
    for (const pin of read('modules/root/versions.tf').matchAll(/source\s+=\s+"([^"]+)"\s+version\s+=\s+"([^"]+)"/g))
      expect(versions).toContain(`\`${pin[1]}\` provider | ${pin[2]}`);
    expect(versions).toMatch(/\*\*Kubernetes:\*\* Flux 2\.8 needs Kubernetes 1\.31/);
    expect(versions).toContain('**Upgrading Flux or the chart:**');
    expect(versions).toContain('**A cluster where Flux is already installed**');
    for (const other of ['`flux bootstrap`', 'The Flux Operator', '`fluxcd/terraform-provider-flux`'])
      expect(versions).toContain(other);
    expect(README).toContain('### Removing Flux');
  });
});
