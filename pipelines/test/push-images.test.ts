// pnpm run push-images without Docker: what its command line accepts and refuses, the overlay
// it writes (read back as helm would take it), and what it says when a registry refuses a push.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { refusal } from '../src/image-push.ts';
import { overlayText, readOverlay } from '../src/images-overlay.ts';
import { parsePushImagesOptions, registryName, UsageError } from '../src/push-images-options.ts';
import { SERVICE_PATHS } from '../src/workspace.ts';

const REGISTRY = 'dronedeliveryacr.azurecr.io';
const digest = (character: string) => `sha256:${character.repeat(64)}`;

describe('the command line', () => {
  it('defaults: every unit, dronedelivery-images.yaml', () => {
    expect(parsePushImagesOptions(['--registry', REGISTRY])).toEqual({
      registry: REGISTRY,
      valuesOut: 'dronedelivery-images.yaml',
      units: Object.keys(SERVICE_PATHS),
    });
    expect(Object.keys(SERVICE_PATHS)).toHaveLength(8);
  });

  it('a subset of units, another overlay file; a registry with a port', () => {
    expect(parsePushImagesOptions(['--registry', REGISTRY, '--units', 'gateway, delivery,gateway', '--values-out', 'out.yaml'])).toEqual({
      registry: REGISTRY,
      valuesOut: 'out.yaml',
      units: ['gateway', 'delivery'],
    });
    expect(parsePushImagesOptions(['--registry', '127.0.0.1:5000']).registry).toBe('127.0.0.1:5000');
  });

  it.each([
    [[], /--registry is required/],
    [['--registry', REGISTRY, '--units', 'gateway,billing'], /unknown unit "billing": the units are package, delivery, .*simulator/],
    [['--registry', REGISTRY, '--units', ''], /unknown unit/],
    [['--registry', 'https://dronedeliveryacr.azurecr.io'], /a registry host .* not "https:\/\/dronedeliveryacr.azurecr.io"/],
    [['--registry', `${REGISTRY}/dronedelivery`], /no scheme, no path/],
    [['--registry', REGISTRY, '--builder', 'acr'], /Unknown option '--builder'/],
    [['--registry', REGISTRY, '--tag', 'v1'], /Unknown option '--tag'/],
    [['--registry', REGISTRY, 'gateway'], /positional argument/],
  ])('%j is refused: %s', (argv, message) => {
    expect(() => parsePushImagesOptions(argv as string[])).toThrow(UsageError);
    expect(() => parsePushImagesOptions(argv as string[])).toThrow(message);
  });

  it("a registry's name for az is its login server's first label", () => {
    expect(registryName(REGISTRY)).toBe('dronedeliveryacr');
    expect(registryName('127.0.0.1:5000')).toBe('127');
  });
});

describe('the values overlay', () => {
  const images = {
    gateway: { registry: REGISTRY, repository: 'dronedelivery/gateway', digest: digest('a') },
    delivery: { registry: REGISTRY, repository: 'dronedelivery/delivery', digest: digest('b') },
  };
  const text = overlayText(images, { tag: '0123456789ab', at: new Date('2026-01-02T03:04:05Z') });

  it('pins each unit by registry, repository and digest, under the key charts/dronedelivery gives that unit', () => {
    expect(parse(text)).toEqual({ gateway: { image: images.gateway }, delivery: { image: images.delivery } });
    expect(readOverlay(text)).toEqual(parse(text));
  });

  it('says which commit and when, in a comment helm ignores', () => {
    expect(text.split('\n')[0]).toBe(
      '# Images of commit 0123456789ab, pushed 2026-01-02T03:04:05.000Z by pnpm run push-images, pinned by digest.',
    );
  });

  it('refuses to write or read an image that is not pinned by a sha256 digest', () => {
    const tagged = { gateway: { registry: REGISTRY, repository: 'dronedelivery/gateway', digest: 'latest' } };
    expect(() => overlayText(tagged, { tag: 'x', at: new Date() })).toThrow(/digest/);
    expect(() => readOverlay('gateway:\n  image:\n    registry: r\n    repository: dronedelivery/gateway\n    tag: "1.0"\n')).toThrow();
  });
});

describe('a push the registry refuses', () => {
  it('says how to sign in to that registry', () => {
    const error = refusal(REGISTRY, new Error('docker push exited 1:\nunauthorized: authentication required'));
    expect(error.message).toMatch(
      /^the registry dronedeliveryacr.azurecr.io refused the push: sign in first with `az acr login --name dronedeliveryacr`/,
    );
    expect(error.message).toContain('unauthorized: authentication required');
  });

  it("keeps any other failure's own message", () => {
    const unreachable = new Error('dial tcp 127.0.0.1:5099: connect: connection refused');
    expect(refusal('127.0.0.1:5099', unreachable)).toBe(unreachable);
  });
});
