// A vitest reporter that ends the run with the suites it skipped, each with what it needs and
// the command that enables it; with TESTS_SKIP_NOTHING=1 (CI sets it) any skipped test fails
// the run. A suite skips itself when a server or tool it needs is absent (see each test file);
// this table says, for people, what that is.
import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

interface Need {
  needs: string;
  enable: string;
}

const REDIS: Need = {
  needs: 'a Redis server (REDIS_URL)',
  enable: "redis-server --port 6379 --save '' --daemonize yes && export REDIS_URL=redis://127.0.0.1:6379",
};
const REDIS_AND_CLUSTER: Need = {
  needs: 'a Redis server (REDIS_URL) and a Redis Cluster (REDIS_CLUSTER_URL)',
  enable: `${REDIS.enable} && node packages/redis/scripts/redis-cluster.ts --port 7001 & export REDIS_CLUSTER_URL=redis://127.0.0.1:7001`,
};
const EVERY_STORE: Need = {
  needs: 'Redis (REDIS_URL), a Redis Cluster (REDIS_CLUSTER_URL), MongoDB (MONGODB_URL) and Cosmos DB (COSMOS_ENDPOINT) for its modes',
  enable: 'npm test starts the ones installed (redis-server, .tools/bin/ferretdb); see docs/development.md, "Running the tests"',
};
const REDIS_SERVER: Need = { needs: 'the redis-server program on the PATH', enable: 'apt-get install redis-server (Debian/Ubuntu)' };
const MONGODB: Need = {
  needs: 'a MongoDB-protocol server (MONGODB_URL)',
  enable:
    '(cd tools/ferretdb && go build -o ../../.tools/bin/ferretdb .) && .tools/bin/ferretdb -listen 127.0.0.1:27017 -dir .data/ferretdb/ & export MONGODB_URL=mongodb://127.0.0.1:27017/',
};
const HELM: Need = {
  needs: 'helm (HELM_BIN, or .tools/bin/helm)',
  enable: 'GOBIN=$PWD/.tools/bin go install helm.sh/helm/v3/cmd/helm@v3.16.4',
};

/** What each conditional suite needs, by test file. */
const NEEDS: Record<string, Need> = {
  'packages/queue/test/bullmq.test.ts': REDIS_AND_CLUSTER,
  'packages/redis/test/shards.test.ts': REDIS_AND_CLUSTER,
  'packages/queue/test/crash.test.ts': REDIS,
  'services/delivery/test/store.redis.test.ts': REDIS_AND_CLUSTER,
  'gateway/test/rate-limit.test.ts': REDIS_AND_CLUSTER,
  'services/ingestion/test/acceptances.test.ts': REDIS_AND_CLUSTER,
  'services/ingestion/test/api.test.ts': REDIS_AND_CLUSTER,
  'e2e/test/e2e.test.ts': EVERY_STORE,
  'e2e/test/accounted.test.ts': EVERY_STORE,
  'packages/fleet/test/fleet.test.ts': REDIS_SERVER,
  'services/delivery/test/outage.test.ts': REDIS_SERVER,
  'services/ingestion/test/outage.test.ts': REDIS_SERVER,
  'e2e/test/trace.test.ts': REDIS_SERVER,
  'e2e/test/console.test.ts': {
    needs: 'a Chromium browser (CHROMIUM_BIN, default /usr/bin/chromium) for the console in a browser',
    enable: 'apt-get install chromium (Debian), or export CHROMIUM_BIN=/path/to/chrome',
  },
  'services/package/test/store.mongo.test.ts': MONGODB,
  'services/package/test/unavailable.test.ts': {
    needs: 'a FerretDB binary (FERRETDB_BIN, or .tools/bin/ferretdb)',
    enable: '(cd tools/ferretdb && go build -o ../../.tools/bin/ferretdb .)',
  },
  'charts/test/charts.test.ts': HELM,
  'charts/test/cluster.test.ts': HELM,
  'charts/test/secret-docs.test.ts': HELM,
  'charts/test/provision.test.ts': {
    needs: 'shellcheck on the PATH (the script check) and helm (HELM_BIN, or .tools/bin/helm; the rendered install)',
    enable: `apt-get install shellcheck (Debian/Ubuntu) && ${HELM.enable}`,
  },
  'pipelines/test/admission-policies.test.ts': HELM,
  'charts/test/kube-score.test.ts': {
    needs: `kube-score (KUBE_SCORE_BIN, or .tools/bin/kube-score) and ${HELM.needs}`,
    enable: `GOBIN=$PWD/.tools/bin go install github.com/zegl/kube-score/cmd/kube-score@v1.20.0 && ${HELM.enable}`,
  },
  'pipelines/test/ci-definitions.test.ts': {
    needs: 'actionlint (ACTIONLINT_BIN, or .tools/bin/actionlint)',
    enable: 'GOBIN=$PWD/.tools/bin go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12',
  },
  'e2e/test/schemathesis.test.ts': {
    needs: 'Schemathesis, and SCHEMATHESIS=1 (it takes a few minutes)',
    enable: 'see e2e/schemathesis/README.md',
  },
  'packages/service-kit/test/stop.test.ts': {
    needs: 'the dependencies installed by the bootstrap (it checks its marker)',
    enable: 'npm test (rather than vitest directly)',
  },
  'docs/test/token.test.ts': { needs: 'npm on the PATH', enable: 'install Node.js with npm' },
  'pipelines/test/by-hand-install.test.ts': {
    needs: 'Docker with the Node base image, crane and helm (pnpm test:by-hand)',
    enable: 'bash .ci/docker-setup; crane and helm come from .ci/run (.tools/bin)',
  },
};

export default class SkipReport implements Reporter {
  private root = process.cwd();

  onInit(vitest: { config: { root: string } }): void {
    this.root = vitest.config.root;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const skipped = new Map<string, number>();
    for (const module of testModules) {
      let count = 0;
      for (const test of module.children.allTests()) if (test.result().state === 'skipped') count += 1;
      if (count > 0) skipped.set(relative(this.root, module.moduleId), count);
    }
    if (skipped.size === 0) return;
    const lines = [...skipped].map(([file, count]) => {
      const need = NEEDS[file];
      return need
        ? `  ${file}: ${count} skipped; needs ${need.needs}. To run it: ${need.enable}`
        : `  ${file}: ${count} skipped (not in scripts/skip-report.ts: say there what it needs)`;
    });
    const total = [...skipped.values()].reduce((sum, count) => sum + count, 0);
    process.stdout.write(`\nSkipped ${total} tests in ${skipped.size} files:\n${lines.join('\n')}\n`);
    if (process.env.TESTS_SKIP_NOTHING === '1') {
      process.stdout.write('TESTS_SKIP_NOTHING=1: a skipped test fails this run.\n');
      process.exitCode = 1;
    }
  }
}
