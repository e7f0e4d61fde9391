/** Services configuration: every validation fed its bad input. */
import { servicesSchema } from '../../config/schema/services';
import { serviceNames } from '../../config/service-names';
import { errors, problemsAfter, testConfig } from '../dns/fixtures';

describe('globally unique names', () => {
  it('derives deterministic names from prefix, environment and nameSuffix', () => {
    const n = serviceNames(testConfig('prod'));
    expect([n.keyVault, n.cacheStorage, n.postgres, n.registry, n.siteRecoveryVault]).toEqual(['kv-hyb-prod-p3m9', 'sthybprodasrp3m9', 'psql-hyb-prod-p3m9', 'crhybprodp3m9', 'rsv-hyb-prod-asr']);
  });

  it('rejects a suffix that pushes Key Vault and storage names past 24 characters', () => {
    const found = errors(problemsAfter((env) => { env.prefix = 'platform'; env.name = 'staging'; env.services.nameSuffix = 'abcdef'; }, 'prod'), 'services.nameSuffix');
    expect(found.map((p) => p.message)).toEqual([
      expect.stringMatching(/Key Vault name "kv-platform-staging-abcdef" .*3-24/),
      expect.stringMatching(/cache storage account name "stplatformstagingasrabcdef" .*3-24/),
    ]);
  });

  it.each([['AB12'], ['a-b'], ['ab'], ['abcdefg']])('the schema rejects nameSuffix %j', (suffix) => {
    const result = servicesSchema.safeParse({ nameSuffix: suffix });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.message).toMatch(/3-6 lower-case letters or digits/);
  });
});

describe('(d) Site Recovery ranges', () => {
  it('rejects source ranges the tunnel does not route', () => {
    const [p] = errors(problemsAfter((env) => { env.services.siteRecovery.sourceRanges = ['10.99.0.0/24']; }), 'services.siteRecovery.sourceRanges.0');
    expect(p!.message).toMatch(/not inside onPremises.addressPrefixes.*falls back/);
  });
  it('rejects a process server that is neither on-premises nor in the hub agents subnet', () => {
    const [p] = errors(problemsAfter((env) => { env.services.siteRecovery.processServer = '10.20.0.10'; }), 'services.siteRecovery.processServer');
    expect(p!.message).toMatch(/no rule can open TCP 443 and 9443/);
  });
  it('accepts a process server in the hub agents subnet', () => {
    expect(errors(problemsAfter((env) => { env.services.siteRecovery.processServer = '10.10.2.10'; }))).toEqual([]);
  });
});

describe('PostgreSQL', () => {
  it('rejects high availability on a Burstable SKU', () => {
    expect(errors(problemsAfter((env) => { env.services.postgres.highAvailability = 'ZoneRedundant'; }), 'services.postgres.highAvailability')[0]!.allowed).toMatch(/GP_\/MO_/);
  });
  it('rejects a zone-redundant standby in the primary zone', () => {
    expect(errors(problemsAfter((env) => { env.services.postgres.standbyZone = '1'; }, 'prod'), 'services.postgres.standbyZone')[0]!.allowed).toBe('2, 3');
  });
  it('rejects an unknown client VNet', () => {
    expect(errors(problemsAfter((env) => { env.services.postgres.clients = ['nowhere']; }), 'services.postgres.clients.0')).toHaveLength(1);
  });
  it.each([['storageMb', 40000, /storageMb must be one of/], ['administratorLogin', 'admin', /reserved administrator logins/], ['backupRetentionDays', 40, /35/]])('the schema rejects %s = %j', (key, value, message) => {
    const result = servicesSchema.safeParse({ nameSuffix: 'abc', postgres: { [key]: value } });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.message).join('\n')).toMatch(message);
  });
});
