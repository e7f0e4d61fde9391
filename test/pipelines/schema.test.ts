import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  collectSteps, entryPipelines, expandPipeline, expandTemplate, isMapping, loadPipelineYaml, parsePipelineYaml, pipelineFiles,
  pipelineSchema, REPO, schemaErrors, templateKind, withPlaceholders,
} from './support';

const ENTRY_PIPELINES = ['pipelines/pr.yml', 'pipelines/deploy-dev.yml', 'pipelines/deploy-prod.yml'];

beforeAll(() => {
  pipelineSchema(); // compile once (2-3 s) outside the individual tests
});

describe('Azure Pipelines YAML against the official schema (microsoft/azure-pipelines-vscode service-schema.json)', () => {
  test('the pipelines directory holds the entry pipelines and their templates', () => {
    const files = pipelineFiles();
    expect(entryPipelines()).toEqual([...ENTRY_PIPELINES].sort());
    expect(files.filter((f) => f.startsWith('pipelines/templates/')).length).toBeGreaterThanOrEqual(5);
  });

  test.each(ENTRY_PIPELINES)('%s validates as written', (file) => {
    expect(schemaErrors(loadPipelineYaml(file))).toEqual([]);
  });

  test.each(pipelineFiles().filter((f) => f.startsWith('pipelines/templates/')))('%s validates as the template shape it provides', (file) => {
    const doc = loadPipelineYaml(file);
    expect(schemaErrors(withPlaceholders(doc), templateKind(doc))).toEqual([]);
  });

  test.each(ENTRY_PIPELINES)('%s validates after template expansion (what the service runs)', (file) => {
    const expanded = expandPipeline(file);
    expect(JSON.stringify(expanded)).not.toContain('${{');
    expect(schemaErrors(expanded)).toEqual([]);
  });
});

describe('the schema check fails on broken pipelines', () => {
  const valid = `
trigger: none
stages:
  - stage: build
    jobs:
      - job: build
        pool:
          vmImage: ubuntu-24.04
        steps:
          - script: echo ok
          - task: AzureCLI@2
            inputs:
              azureSubscription: conn
              scriptType: bash
              scriptLocation: inlineScript
              inlineScript: echo ok
              addSpnToEnvironment: true
`;

  test('the unbroken control case is valid (so the failures below are about the breakage)', () => {
    expect(schemaErrors(parsePipelineYaml(valid))).toEqual([]);
  });

  test('a misspelled job key (step: instead of steps:) fails', () => {
    const errors = schemaErrors(parsePipelineYaml(valid.replace('        steps:', '        step:')));
    expect(errors).toEqual(expect.arrayContaining([expect.stringMatching(/^\/stages\/0\/jobs\/0 must NOT have additional properties \(step\)/)]));
  });

  test('a task input outside its allowed values (scriptType: zsh) fails', () => {
    const errors = schemaErrors(parsePipelineYaml(valid.replace('scriptType: bash', 'scriptType: zsh')));
    expect(errors).toEqual(expect.arrayContaining([expect.stringMatching(/^\/stages\/0\/jobs\/0\/steps\/1\/inputs\/scriptType must be equal to one of the allowed values/)]));
  });

  test('a boolean task input that is not a boolean fails', () => {
    const errors = schemaErrors(parsePipelineYaml(valid.replace('addSpnToEnvironment: true', 'addSpnToEnvironment: sometimes')));
    expect(errors).toEqual(expect.arrayContaining([expect.stringMatching(/^\/stages\/0\/jobs\/0\/steps\/1\/inputs\/addSpnToEnvironment must be boolean/)]));
  });

  test('an unknown task fails', () => {
    expect(schemaErrors(parsePipelineYaml(valid.replace('AzureCLI@2', 'AzureCLI@9')))).not.toEqual([]);
  });

  test('a job id with characters the service rejects fails', () => {
    const errors = schemaErrors(parsePipelineYaml(valid.replace('- job: build', '- job: build.dev')));
    expect(errors).toEqual(expect.arrayContaining([expect.stringMatching(/^\/stages\/0\/jobs\/0\/job must match pattern/)]));
  });

  test('a broken template fails against its template shape (a job template with a task outside steps)', () => {
    const template = parsePipelineYaml('parameters:\n  - name: x\n    type: string\njobs:\n  - job: j\n    task: AzureCLI@2\n');
    expect(schemaErrors(template, templateKind(template))).toEqual(expect.arrayContaining([expect.stringMatching(/must NOT have additional properties \(task\)/)]));
  });
});

describe('the template expander refuses what it cannot expand faithfully', () => {
  let dir: string;
  const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
  const rel = (name: string) => path.relative(REPO, path.join(dir, name));
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipelines-'));
    write('steps.yml', 'parameters:\n  - name: who\n    type: string\n  - name: loud\n    type: boolean\n    default: false\nsteps:\n  - script: echo ${{ parameters.who }}\n');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('substitutes parameters and defaults', () => {
    write('main.yml', 'steps:\n  - template: steps.yml\n    parameters:\n      who: world\n');
    expect(expandPipeline(rel('main.yml'))).toEqual({ steps: [{ script: 'echo world' }] });
  });
  test('a missing required parameter', () => {
    write('main.yml', 'steps:\n  - template: steps.yml\n');
    expect(() => expandPipeline(rel('main.yml'))).toThrow(/required parameter who/);
  });
  test('an undeclared parameter', () => {
    write('main.yml', 'steps:\n  - template: steps.yml\n    parameters:\n      who: a\n      whom: b\n');
    expect(() => expandPipeline(rel('main.yml'))).toThrow(/unexpected parameter whom/);
  });
  test('a parameter of the wrong type', () => {
    write('main.yml', 'steps:\n  - template: steps.yml\n    parameters:\n      who: a\n      loud: maybe\n');
    expect(() => expandPipeline(rel('main.yml'))).toThrow(/loud must be true or false/);
  });
  test('conditional insertion with eq/ne on parameters, else, and conditional mapping entries', () => {
    write('main.yml', [
      'parameters:', '  - name: mode', '    type: string', '    default: a', '    values: [a, b]',
      'steps:', "  - ${{ if eq(parameters.mode, 'A') }}:", '    - script: echo a', '  - ${{ else }}:', '    - script: echo not-a',
      "  - ${{ if ne(parameters.mode, 'a') }}:", '    - script: echo b',
      '  - script: echo always', "    ${{ if eq(parameters.mode, 'b') }}:", '      displayName: only for b', '',
    ].join('\n'));
    expect(expandTemplate(rel('main.yml'))).toEqual({ steps: [{ script: 'echo a' }, { script: 'echo always' }] });
    expect(expandTemplate(rel('main.yml'), { mode: 'b' })).toEqual({ steps: [{ script: 'echo not-a' }, { script: 'echo b' }, { script: 'echo always', displayName: 'only for b' }] });
    expect(() => expandTemplate(rel('main.yml'), { mode: 'c' })).toThrow(/parameter mode must be one of a, b, got "c"/);
  });
  test('other expressions are refused', () => {
    write('main.yml', 'steps:\n  - ${{ if eq(1, 1) }}:\n    - script: echo\n');
    expect(() => expandTemplate(rel('main.yml'))).toThrow(/unsupported condition operand "1"/);
    write('main1.yml', 'steps:\n  - ${{ each x in parameters.list }}:\n    - script: echo\n');
    expect(() => expandTemplate(rel('main1.yml'))).toThrow(/unsupported template expression key/);
    write('main2.yml', 'steps:\n  - script: echo ${{ variables.x }}\n');
    expect(() => expandTemplate(rel('main2.yml'))).toThrow(/unsupported template expression/);
  });
  test('extends: the entry pipeline becomes the template with its parameters, keeping triggers', () => {
    write('pipeline.yml', 'parameters:\n  - name: who\n    type: string\nvariables:\n  - name: V\n    value: x\nstages:\n  - stage: s\n    jobs:\n      - job: j\n        steps:\n          - template: steps.yml\n            parameters:\n              who: ${{ parameters.who }}\n');
    write('main.yml', 'trigger: none\nextends:\n  template: pipeline.yml\n  parameters:\n    who: me\n');
    expect(expandPipeline(rel('main.yml'))).toEqual({ trigger: 'none', variables: [{ name: 'V', value: 'x' }], stages: [{ stage: 's', jobs: [{ job: 'j', steps: [{ script: 'echo me' }] }] }] });
  });
});

describe('pinned, secret-free pipeline conventions', () => {
  const expanded = ENTRY_PIPELINES.map((f) => [f, expandPipeline(f)] as const);

  test('every task names its major version (Task@N) and hosted pools name an image version, never -latest', () => {
    for (const [file, doc] of expanded) {
      for (const { where, step } of collectSteps(doc, file)) {
        if (typeof step['task'] === 'string') expect(`${where}: ${step['task']}`).toMatch(/: [A-Za-z]+@\d+$/);
      }
      expect(JSON.stringify(doc)).not.toMatch(/-latest"/);
    }
  });

  test('Node.js and Terraform versions are exact releases', () => {
    const vars = loadPipelineYaml('pipelines/templates/variables.yml');
    const byName = new Map((isMapping(vars) && Array.isArray(vars['variables']) ? vars['variables'] : []).filter(isMapping).map((v) => [v['name'], v['value']]));
    expect(byName.get('NODE_VERSION')).toMatch(/^\d+\.\d+\.\d+$/);
    expect(byName.get('TERRAFORM_VERSION')).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test('Azure access only through workload identity federation: AzureCLI@2 with token refresh, no secret anywhere', () => {
    let azureSteps = 0;
    for (const [file, doc] of expanded) {
      const text = JSON.stringify(doc);
      expect(text).not.toMatch(/ARM_CLIENT_SECRET"|servicePrincipalKey|ARM_ACCESS_KEY|\$\(idToken\)/);
      for (const { where, step } of collectSteps(doc, file)) {
        if (typeof step['task'] !== 'string' || !/^AzureCLI@/.test(step['task'])) continue;
        azureSteps += 1;
        const inputs = step['inputs'] as Record<string, unknown>;
        expect([where, inputs['scriptPath']]).toEqual([where, expect.stringMatching(/^pipelines\/scripts\/((plan|deploy)-stack|build-images)\.sh$/)]);
        // Terraform (providers and backend) refreshes its federated token through the connection; az needs nothing more.
        if (inputs['scriptPath'] === 'pipelines/scripts/build-images.sh') continue;
        // plan-/deploy-stack.sh read cdktf.out/ and scripts/ relative to the repository root: never the task's default.
        expect([where, inputs['workingDirectory']]).toEqual([where, '$(Build.SourcesDirectory)']);
        expect([where, inputs['addSpnToEnvironment']]).toEqual([where, 'true']);
        expect([where, (step['env'] as Record<string, unknown>)['SYSTEM_ACCESSTOKEN']]).toEqual([where, '$(System.AccessToken)']);
      }
    }
    expect(azureSteps).toBeGreaterThan(0);
    // The scripts map the connection to the provider/backend token-refresh variables.
    const armEnv = fs.readFileSync(path.join(REPO, 'pipelines/scripts/arm-env.sh'), 'utf8');
    for (const v of ['ARM_USE_OIDC=true', 'ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID', 'ARM_OIDC_REQUEST_TOKEN', 'ARM_USE_AZUREAD=true']) expect(armEnv).toContain(v);
  });

  test('every file a step runs exists in the repository', () => {
    for (const [file, doc] of expanded) {
      for (const { where, step } of collectSteps(doc, file)) {
        const inputs = isMapping(step['inputs']) ? step['inputs'] : {};
        const referenced = [
          ...(typeof inputs['scriptPath'] === 'string' ? [inputs['scriptPath']] : []),
          ...[...String(step['script'] ?? '').matchAll(/(?:bash|node) ((?:pipelines|scripts|\.ci)\/[\w./-]+)/g)].map((m) => m[1]!),
        ];
        for (const r of referenced) expect([where, r, fs.existsSync(path.join(REPO, r))]).toEqual([where, r, true]);
      }
    }
  });
});
