// The embedded default (`npm run app`): the same migrations, cycle and API on PGlite, run in a child process.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

describe('embedded mode on PGlite', () => {
  it('migrates, assigns simulated cases and serves statistics and decisions', () => {
    const out = execFileSync(process.execPath, ['-r', join(__dirname, '..', 'scripts', 'swc-register.js'), join(__dirname, 'embedded-child.ts')], {
      encoding: 'utf8', timeout: 110_000, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const r = JSON.parse(out.trim().split('\n').pop()!);
    expect(r.applied).toEqual(['001_initial', '002_queue_faults', '003_outbox_lease', '017_critical_work']);
    expect(r.first).toMatchObject({ outcome: 'ok', skipped: 0 });
    expect(r.first.fetched).toBeGreaterThan(0);
    expect(r.first.assigned + r.second.assigned).toBeGreaterThan(0);
    expect(r.stats.engineers).toHaveLength(10);
    expect(r.stats.lastCycle).toMatchObject({ outcome: 'ok' });
    expect(r.detail.decisions[0]).toMatchObject({ outcome: 'assigned', ladderStep: expect.any(Number) });
    expect(r.detail.decisions[0].candidates).toHaveLength(10);
  });
});
