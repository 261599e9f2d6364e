// The CI/CD definitions: GitHub Actions workflows pass actionlint; every service's pipeline
// (GitHub and Azure DevOps) triggers on exactly the folders that service is built from; the
// Azure Pipelines files have the structure Azure DevOps expects and reference templates and
// parameters that exist; deployment goes by digest, behind environments, with OIDC; and a
// scheduled refresh sends every unit, rebuilt on a fresh base image, through the same pipeline.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { repositoryRoot, SERVICE_PATHS, watchedFolders } from '../src/workspace.ts';

const SERVICES = Object.keys(SERVICE_PATHS);
const read = (path: string) => parse(readFileSync(`${repositoryRoot}${path}`, 'utf8')) as Record<string, unknown>;
const actionlint = [process.env.ACTIONLINT_BIN, `${repositoryRoot}.tools/bin/actionlint`].find((path) => path && existsSync(path));

describe('GitHub Actions', () => {
  it.skipIf(!actionlint)('every workflow passes actionlint (with shellcheck on the run steps when installed)', () => {
    const result = spawnSync(actionlint as string, ['-no-color'], { cwd: repositoryRoot, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it.each(SERVICES)('%s: its workflow triggers on its folders, its chart and the shared packages it uses, nothing else', (service) => {
    const workflow = read(`.github/workflows/${service}.yml`) as { on: { push: { paths: string[] }; pull_request: { paths: string[] } } };
    const expected = [
      ...watchedFolders(service).map((folder) => `${folder}/**`),
      'Dockerfile',
      'tsconfig.base.json',
      'tsconfig.build.json',
      'pnpm-lock.yaml',
      `.github/workflows/${service}.yml`,
      '.github/workflows/service-pipeline.yml',
      '.github/workflows/deploy.yml',
    ].sort();
    expect([...workflow.on.push.paths].sort()).toEqual(expected);
    expect([...workflow.on.pull_request.paths].sort()).toEqual(expected);
    const job = (workflow as unknown as { jobs: { pipeline: { uses: string; with: { service: string; path: string } } } }).jobs.pipeline;
    expect(job.uses).toBe('./.github/workflows/service-pipeline.yml');
    // The simulator is a tool for dev and qa: its pipeline stops before production.
    expect(job.with).toEqual({ service, path: SERVICE_PATHS[service], ...(service === 'simulator' ? { production: false } : {}) });
  });

  it('stages run in order, deployments are gated by environments, Azure sign-in is OIDC, images go by digest', () => {
    const pipeline = read('.github/workflows/service-pipeline.yml') as {
      jobs: Record<
        string,
        {
          needs?: string | string[];
          uses?: string;
          with?: Record<string, string>;
          permissions?: Record<string, string>;
          steps?: { uses?: string; run?: string; with?: Record<string, unknown> }[];
        }
      >;
    };
    expect(Object.keys(pipeline.jobs)).toEqual(['verify', 'image', 'dev', 'qa', 'production']);
    expect(pipeline.jobs.image?.needs).toBe('verify');
    expect(pipeline.jobs.qa?.needs).toContain('dev');
    expect(pipeline.jobs.production?.needs).toContain('qa');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not JavaScript
    for (const stage of ['dev', 'qa', 'production']) expect(pipeline.jobs[stage]?.with?.digest).toBe('${{ needs.image.outputs.digest }}');
    const image = pipeline.jobs.image?.steps ?? [];
    const order = [
      'azure/login',
      'docker/build-push-action',
      'anchore/sbom-action',
      'aquasecurity/trivy-action',
      'sigstore/cosign-installer',
    ];
    const positions = order.map((action) => image.findIndex((step) => step.uses?.startsWith(action)));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(image.find((step) => step.uses?.startsWith('aquasecurity/trivy-action'))?.with?.['exit-code']).toBe('1');
    expect(pipeline.jobs.image?.permissions?.['id-token']).toBe('write');

    const deploy = read('.github/workflows/deploy.yml') as {
      jobs: { deploy: { environment: string; steps: { uses?: string; run?: string; with?: Record<string, string> }[] } };
    };
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not JavaScript
    expect(deploy.jobs.deploy.environment).toBe('${{ inputs.environment }}');
    const steps = deploy.jobs.deploy.steps;
    const login = steps.find((step) => step.uses?.startsWith('azure/login'));
    expect(Object.keys(login?.with ?? {}).sort()).toEqual(['client-id', 'subscription-id', 'tenant-id']);
    expect(steps.some((step) => step.run?.includes('--set image.digest="$DIGEST"'))).toBe(true);
    expect(steps.some((step) => step.run?.includes('pnpm loadtest smoke'))).toBe(true);
    // No stored secret anywhere: sign-in is federated.
    for (const file of ['service-pipeline.yml', 'deploy.yml', 'base-image-refresh.yml', ...SERVICES.map((service) => `${service}.yml`)])
      expect(readFileSync(`${repositoryRoot}.github/workflows/${file}`, 'utf8')).not.toMatch(/secrets\./);
  });
});

interface CallingJob {
  uses: string;
  with: Record<string, unknown>;
  permissions: Record<string, string>;
  strategy?: { 'fail-fast'?: boolean; matrix: { include: Record<string, unknown>[] } };
}

describe('GitHub Actions: the base image refresh', () => {
  const refresh = read('.github/workflows/base-image-refresh.yml') as { on: Record<string, unknown>; jobs: Record<string, CallingJob> };
  const unitJob = (service: string) => (read(`.github/workflows/${service}.yml`) as { jobs: { pipeline: CallingJob } }).jobs.pipeline;

  it('runs on a schedule, and by hand', () => {
    const schedule = refresh.on.schedule as { cron: string }[];
    expect(schedule.length).toBeGreaterThan(0);
    for (const { cron } of schedule) expect(cron.split(' ')).toHaveLength(5);
    expect(Object.keys(refresh.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
  });

  it('sends every unit through the service pipeline its own workflow calls, with the same inputs and permissions', () => {
    const jobs = Object.values(refresh.jobs);
    expect(jobs).toHaveLength(1);
    const [job] = jobs as [CallingJob];
    // biome-ignore-start lint/suspicious/noTemplateCurlyInString: GitHub Actions expressions, not JavaScript
    expect(job.with).toEqual({ service: '${{ matrix.service }}', path: '${{ matrix.path }}', production: '${{ matrix.production }}' });
    // biome-ignore-end lint/suspicious/noTemplateCurlyInString: GitHub Actions expressions, not JavaScript
    expect(job.strategy?.['fail-fast']).toBe(false);
    const include = job.strategy?.matrix.include ?? [];
    expect(include.map((entry) => entry.service).sort()).toEqual([...SERVICES].sort());
    for (const service of SERVICES) {
      const own = unitJob(service);
      expect(job.uses).toBe(own.uses);
      expect(job.permissions).toEqual(own.permissions);
      // The same inputs, production spelt out (a missing matrix value is not the input's default).
      expect(include.find((entry) => entry.service === service)).toEqual({ production: true, ...own.with });
    }
  });

  it('the service pipeline releases on the schedule too, and pulls the base image afresh', () => {
    const pipeline = read('.github/workflows/service-pipeline.yml') as {
      jobs: { image: { if: string; steps: { uses?: string; with?: Record<string, unknown> }[] } };
    };
    for (const event of ['push', 'schedule', 'workflow_dispatch']) expect(pipeline.jobs.image.if).toContain(`"${event}"`);
    expect(pipeline.jobs.image.if).not.toContain('pull_request');
    expect(pipeline.jobs.image.if).toContain("github.ref == 'refs/heads/main'");
    const build = pipeline.jobs.image.steps.find((step) => step.uses?.startsWith('docker/build-push-action'));
    expect(build?.with?.pull).toBe(true);
  });
});

/** The parts of the Azure Pipelines YAML schema these files use. */
const pathFilter = z.strictObject({ include: z.array(z.string().min(1)) });
const serviceFile = z.strictObject({
  trigger: z.strictObject({ branches: z.strictObject({ include: z.array(z.string()) }), paths: pathFilter }),
  pr: z.strictObject({ paths: pathFilter }),
  resources: z.strictObject({
    containers: z.array(z.strictObject({ container: z.string(), image: z.string(), ports: z.array(z.string()).optional() })),
  }),
  stages: z.array(z.strictObject({ template: z.string(), parameters: z.record(z.string(), z.unknown()) })).length(1),
});
const refreshFile = z.strictObject({
  trigger: z.literal('none'),
  pr: z.literal('none'),
  schedules: z
    .array(
      z.strictObject({
        cron: z.string().refine((cron) => cron.split(' ').length === 5),
        displayName: z.string(),
        branches: z.strictObject({ include: z.array(z.string()) }),
        always: z.boolean(),
      }),
    )
    .min(1),
  resources: serviceFile.shape.resources,
  stages: z.array(z.strictObject({ template: z.string(), parameters: z.record(z.string(), z.unknown()) })),
});
const parameter = z.strictObject({
  name: z.string(),
  type: z.enum(['string', 'object', 'boolean', 'number']),
  default: z.unknown().optional(),
});
const step = z.union([
  z.strictObject({ script: z.string(), displayName: z.string().optional(), env: z.record(z.string(), z.string()).optional() }),
  z.strictObject({
    task: z.string().regex(/^\w+@\d+$/),
    name: z.string().optional(),
    displayName: z.string().optional(),
    inputs: z.record(z.string(), z.string()),
  }),
  z.strictObject({ checkout: z.literal('self') }),
  z.strictObject({ publish: z.string(), artifact: z.string() }),
]);
const job = z.strictObject({
  job: z.string().optional(),
  deployment: z.string().optional(),
  environment: z.string().optional(),
  pool: z.strictObject({ vmImage: z.string() }),
  services: z.record(z.string(), z.string()).optional(),
  steps: z.array(step).optional(),
  strategy: z.strictObject({ runOnce: z.strictObject({ deploy: z.strictObject({ steps: z.array(step) }) }) }).optional(),
});
const stage = z.union([
  z.strictObject({
    stage: z.string(),
    displayName: z.string(),
    dependsOn: z.union([z.string(), z.array(z.string())]).optional(),
    condition: z.string().optional(),
    variables: z
      .array(z.union([z.strictObject({ group: z.string() }), z.strictObject({ name: z.string(), value: z.string() })]))
      .optional(),
    jobs: z.array(job),
  }),
  z.strictObject({ template: z.string(), parameters: z.record(z.string(), z.unknown()) }),
]);
const template = z.strictObject({ parameters: z.array(parameter), stages: z.array(stage) });

describe('Azure Pipelines', () => {
  it.each(SERVICES)('%s: triggers on its folders, and calls the stage template with its name and path', (service) => {
    const file = serviceFile.parse(read(`azure-pipelines/${service}.yml`));
    const expected = [
      ...watchedFolders(service),
      'Dockerfile',
      'tsconfig.base.json',
      'tsconfig.build.json',
      'pnpm-lock.yaml',
      `azure-pipelines/${service}.yml`,
      'azure-pipelines/templates',
    ].sort();
    expect([...file.trigger.paths.include].sort()).toEqual(expected);
    expect([...file.pr.paths.include].sort()).toEqual(expected);
    expect(file.stages[0]?.template).toBe('templates/service.yml');
    expect(file.stages[0]?.parameters).toEqual({
      service,
      path: SERVICE_PATHS[service],
      ...(service === 'simulator' ? { production: false } : {}),
    });
    const containers = file.resources.containers.map((container) => container.container).sort();
    expect(containers).toEqual(['mongo', 'redis']);
  });

  it('the templates have the expected structure, and every template call passes declared parameters only', () => {
    const templates = {
      'templates/service.yml': template.parse(read('azure-pipelines/templates/service.yml')),
      'templates/deploy.yml': template.parse(read('azure-pipelines/templates/deploy.yml')),
    };
    for (const [name, parsed] of Object.entries(templates))
      for (const entry of parsed.stages)
        if ('template' in entry) {
          const target = templates[`templates/${entry.template}` as keyof typeof templates];
          expect(target, `${name} calls ${entry.template}`).toBeDefined();
          const declared = new Set(target.parameters.map((declaredParameter) => declaredParameter.name));
          for (const passed of Object.keys(entry.parameters))
            expect(declared.has(passed), `${entry.template} has no parameter ${passed}`).toBe(true);
          for (const required of target.parameters.filter((declaredParameter) => declaredParameter.default === undefined))
            expect(Object.keys(entry.parameters)).toContain(required.name);
        }
    const deployments = templates['templates/service.yml'].stages.filter((entry) => 'template' in entry) as unknown as {
      parameters: { environment: string; dependsOn: string[] };
    }[];
    // biome-ignore-start lint/suspicious/noTemplateCurlyInString: Azure Pipelines expressions, not JavaScript
    expect(deployments.map((entry) => [entry.parameters.environment, entry.parameters.dependsOn])).toEqual([
      ['dev', ['${{ parameters.service }}_image']],
      ['qa', ['${{ parameters.service }}_image', '${{ parameters.service }}_dev']],
      ['production', ['${{ parameters.service }}_image', '${{ parameters.service }}_qa']],
    ]);
    // Stage names carry the service's, so that one pipeline can hold several services.
    const stageNames = [
      ...templates['templates/service.yml'].stages.flatMap((entry) => ('stage' in entry ? [entry.stage] : [])),
      ...templates['templates/deploy.yml'].stages.flatMap((entry) => ('stage' in entry ? [entry.stage] : [])),
    ];
    expect(stageNames).toEqual([
      '${{ parameters.service }}_verify',
      '${{ parameters.service }}_image',
      '${{ parameters.service }}_${{ parameters.environment }}',
    ]);
    // biome-ignore-end lint/suspicious/noTemplateCurlyInString: Azure Pipelines expressions, not JavaScript
    const text = readFileSync(`${repositoryRoot}azure-pipelines/templates/deploy.yml`, 'utf8');
    expect(text).toContain('--set image.digest="$(digest)"');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an Azure Pipelines expression, not JavaScript
    expect(text).toContain('environment: dronedelivery-${{ parameters.environment }}');
  });

  it('the base image refresh: scheduled on main even without a change, every unit through the same template and inputs', () => {
    const refresh = refreshFile.parse(read('azure-pipelines/base-image-refresh.yml'));
    for (const schedule of refresh.schedules) {
      expect(schedule.branches.include).toEqual(['main']);
      expect(schedule.always).toBe(true);
    }
    expect(refresh.stages.map((entry) => entry.parameters.service).sort()).toEqual([...SERVICES].sort());
    for (const service of SERVICES) {
      const own = serviceFile.parse(read(`azure-pipelines/${service}.yml`));
      const entry = refresh.stages.find((candidate) => candidate.parameters.service === service);
      expect(entry).toEqual(own.stages[0]);
      expect(refresh.resources).toEqual(own.resources);
    }
    expect(readFileSync(`${repositoryRoot}azure-pipelines/templates/service.yml`, 'utf8')).toMatch(/docker build --pull /);
    // A unit's first stage waits for nothing: by default it would wait for the stage above it,
    // the previous unit's production approval.
    const [first] = template.parse(read('azure-pipelines/templates/service.yml')).stages;
    expect(first && 'stage' in first ? first.dependsOn : undefined).toEqual([]);
  });
});
