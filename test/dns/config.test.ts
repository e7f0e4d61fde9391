import { dnsPlan } from '../../config/dns-plan';
import { BACKUP_REGION_CODES, privateZones } from '../../config/private-link';
import { SUPPORTED_LOCATIONS } from '../../config/schema';
import { testConfig } from './fixtures';

describe('shipped environments (dns/services sections)', () => {
  it('plan the resolver in the hub with a static inbound IP and zones linked to hub and spokes', () => {
    const plan = dnsPlan(testConfig('dev'));
    expect(plan.resolverVnet).toBe('hub');
    expect(plan.inboundIp).toBe('10.10.0.36');
    expect(plan.zoneLinks).toEqual(['hub', 'cluster']);
  });
});

describe('Backup region codes', () => {
  it('has a distinct code for every supported location (the zone uses the code, not the region name)', () => {
    expect(Object.keys(BACKUP_REGION_CODES).sort()).toEqual([...SUPPORTED_LOCATIONS].sort());
    expect(new Set(Object.values(BACKUP_REGION_CODES)).size).toBe(SUPPORTED_LOCATIONS.length);
    for (const code of Object.values(BACKUP_REGION_CODES)) expect(code).toMatch(/^[a-z]{2,4}\d?$/);
  });
  it.each([['westeurope', 'privatelink.we.backup.windowsazure.com'], ['uksouth', 'privatelink.uks.backup.windowsazure.com'], ['japaneast', 'privatelink.jpe.backup.windowsazure.com']] as const)('%s -> %s', (location, zone) => {
    const config = testConfig('prod', (env) => { env.location = location; });
    expect(privateZones(config).find((z) => z.key === 'backup')!.name).toBe(zone);
  });
});
